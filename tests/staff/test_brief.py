"""The case brief for a meeting: a printable page and a PDF with the summary and timeline."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def test_the_brief_pdf_holds_the_summary_and_the_timeline_in_order(demo, viewer_client):
    response = viewer_client.get(reverse("staff:case_brief_pdf", args=[demo.case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="brief-KZ-2021-')
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Bekizhan Mendygazyev and the relatives and associates" in text
    assert "Бекижан Мендыгазиев" in text
    timeline = text[text.index("Timeline") :]
    assert (
        timeline.index("6 Nov 2020") < timeline.index("5 Jun 2021") < timeline.index("29 Jun 2021")
    )
    assert "Letter sent" in timeline


def test_the_brief_pdf_fetches_nothing_a_hostile_case_title_names(demo, viewer_client):
    demo.case.title = '<img src="file:///etc/passwd"><link rel=stylesheet href="http://evil/">'
    demo.case.save()
    response = viewer_client.get(reverse("staff:case_brief_pdf", args=[demo.case.pk]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert '<img src="file:///etc/passwd">' in " ".join(text.split()).replace("\n", "")


def test_the_printable_brief_page_lists_the_timeline(demo, viewer_client):
    response = viewer_client.get(reverse("staff:case_brief", args=[demo.case.pk]))
    assert response.status_code == 200
    assert len(response.context["timeline"]) > 10


def test_users_without_a_role_get_no_brief(demo, outsider_client):
    assert (
        outsider_client.get(reverse("staff:case_brief_pdf", args=[demo.case.pk])).status_code == 403
    )
