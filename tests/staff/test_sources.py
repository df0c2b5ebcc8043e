"""Adding, citing and correcting a case's sources; the Sources card; who may see a source."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from casefiles.models import Detention, Event, SentenceStep, Source
from tests.factories import (
    CaseFactory,
    CasePartyFactory,
    DetentionFactory,
    EventFactory,
    PersonFactory,
    SourceFactory,
)
from tests.security.test_no_server_errors import FUZZ, _dates, _ids, value
from tests.security.test_no_server_errors import _get as fuzz_get
from tests.security.test_no_server_errors import _post as fuzz_post

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def detention():
    party = CasePartyFactory(person=PersonFactory(given_name="Bekizhan"))
    return DetentionFactory(case=party.case, person=party.person, started_on=D(2021, 6, 5))


def _citations() -> tuple[int, ...]:
    return (
        Source.objects.count(),
        Detention.sources.through.objects.count(),
        Event.sources.through.objects.count(),
    )


def test_a_web_source_added_for_a_detention_shows_on_the_case_page(editor_client, detention):
    case = detention.case
    anchor = f"detention-{detention.pk}"
    add_url = reverse("staff:source_add", args=[case.pk])
    assert anchor in editor_client.get(add_url).content.decode()  # offered as a fact
    response = editor_client.post(
        add_url,
        {
            "url": "https://rus.azattyq.org/a/31293465.html",
            "title": "Relatives of the philanthropist detained",
            "publisher": "Radio Azattyq",
            "published_on": "2021-06-05",
            "facts": [anchor],
        },
    )
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?new=source-{source.pk}#source-{source.pk}")
    assert list(detention.sources.all()) == [source]
    page = editor_client.get(reverse("staff:case_detail", args=[case.pk]))
    assert list(page.context["case_sources"]) == [source]
    html = page.content.decode()
    assert 'href="https://rus.azattyq.org/a/31293465.html"' in html
    assert "Radio Azattyq, 5 Jun 2021" in html
    assert reverse("staff:source_edit", args=[source.pk]) in html


def test_an_uploaded_source_links_to_its_protected_download(editor_client, detention):
    response = editor_client.post(
        reverse("staff:source_add", args=[detention.case.pk]),
        {
            "file": SimpleUploadedFile("ruling.txt", b"The court ruled.", "text/plain"),
            "title": "Ruling of the Uralsk court",
            "facts": [f"detention-{detention.pk}"],
        },
    )
    assert response.status_code == 302
    source = Source.objects.get()
    page = editor_client.get(reverse("staff:case_detail", args=[detention.case.pk]))
    assert reverse("staff:source_file", args=[source.pk]) in page.content.decode()


def test_a_known_source_found_by_title_is_cited_for_an_event(editor_client, detention):
    known = SourceFactory(title="European Parliament resolution of 11 February 2021")
    EventFactory().sources.add(known)  # cited in another, visible case
    event = EventFactory(case=detention.case)
    url = reverse("staff:source_add", args=[detention.case.pk])
    found = editor_client.get(url, {"q": "parliament resolution"}).context["form"]
    assert known.pk in [pk for pk, _ in found.fields["existing"].widget.choices if pk]
    response = editor_client.post(url, {"existing": known.pk, "facts": [f"event-{event.pk}"]})
    assert response.status_code == 302
    assert list(event.sources.all()) == [known]
    assert Source.objects.count() == 1


def _refused(client, case, data, field):
    before = _citations()
    response = client.post(reverse("staff:source_add", args=[case.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _citations() == before


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "not a url"])
def test_a_url_that_is_not_a_web_address_is_refused(editor_client, detention, url):
    data = {"url": url, "title": "T", "facts": [f"detention-{detention.pk}"]}
    _refused(editor_client, detention.case, data, "url")


def test_an_upload_we_do_not_accept_is_refused(editor_client, detention):
    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")
    data = {"file": upload, "title": "T", "facts": [f"detention-{detention.pk}"]}
    _refused(editor_client, detention.case, data, "file")


def test_a_source_must_support_a_fact_of_this_case(editor_client, detention):
    other = DetentionFactory(started_on=D(2021, 1, 1))
    url = "https://example.org/a"
    _refused(editor_client, detention.case, {"url": url, "title": "T"}, "facts")
    data = {"url": url, "title": "T", "facts": [f"detention-{other.pk}"]}
    _refused(editor_client, detention.case, data, "facts")


def test_a_hidden_source_cannot_be_cited(editor_client, detention):
    secret = SourceFactory(title="Secret")
    EventFactory(case=CaseFactory(restricted=True)).sources.add(secret)
    form = editor_client.get(
        reverse("staff:source_add", args=[detention.case.pk]), {"q": "Secret"}
    ).context["form"]
    assert form.fields["existing"].widget.choices == [("", "—")]
    data = {"existing": secret.pk, "facts": [f"detention-{detention.pk}"]}
    _refused(editor_client, detention.case, data, "existing")


def test_editing_a_source_corrects_it_and_returns_to_the_case(editor_client, detention):
    source = SourceFactory(title="Typo")
    detention.sources.add(source)
    url = reverse("staff:source_edit", args=[source.pk]) + f"?case={detention.case.pk}"
    response = editor_client.post(
        url, {"url": source.url, "title": "Corrected title", "publisher": "RFE/RL"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:case_detail", args=[detention.case.pk]))
    source.refresh_from_db()
    assert (source.title, source.publisher) == ("Corrected title", "RFE/RL")
    # Neither a URL nor a file: refused, unchanged.
    response = editor_client.post(url, {"url": "", "title": "Gone"})
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.title == "Corrected title"


def test_a_viewer_may_read_sources_but_not_add_or_change_them(viewer_client, detention):
    source = SourceFactory()
    detention.sources.add(source)
    add = reverse("staff:source_add", args=[detention.case.pk])
    assert viewer_client.get(add).status_code == 403
    edit = reverse("staff:source_edit", args=[source.pk])
    assert viewer_client.post(edit, {"url": source.url, "title": "X"}).status_code == 403
    page = viewer_client.get(reverse("staff:case_detail", args=[detention.case.pk]))
    assert source.title in page.content.decode()
    assert edit not in page.content.decode() and add not in page.content.decode()


def test_an_editor_outside_a_restricted_case_finds_its_sources_missing(editor_client):
    case = CaseFactory(restricted=True)
    source = SourceFactory()
    EventFactory(case=case).sources.add(source)
    assert editor_client.get(reverse("staff:source_add", args=[case.pk])).status_code == 404
    edit = reverse("staff:source_edit", args=[source.pk])
    assert editor_client.post(edit, {"url": source.url, "title": "X"}).status_code == 404
    source.refresh_from_db()
    assert source.title != "X"


def _sentence_step_citing(source: Source, *, restricted: bool) -> SentenceStep:
    party = CasePartyFactory(case=CaseFactory(restricted=restricted))
    step = SentenceStep.objects.create(
        case=party.case,
        person=party.person,
        kind="imposed",
        sentence_kind="imprisonment",
        months=60,
        occurred_on=D(2022, 3, 1),
    )
    step.sources.add(source)
    return step


def test_a_source_cited_only_by_a_sentence_step_follows_its_case(viewer):
    public, secret = SourceFactory(), SourceFactory()
    _sentence_step_citing(public, restricted=False)
    _sentence_step_citing(secret, restricted=True)
    visible = set(Source.objects.visible_to(viewer))
    assert public in visible
    # Cited by a sentence step of a restricted case only: hidden like the case.
    assert secret not in visible


def test_the_back_office_refuses_the_same_sources(administrator):
    request = RequestFactory().post("/")
    request.user = administrator
    form_class = admin.site._registry[Source].get_form(request)
    assert "url" in form_class({"url": "javascript:alert(1)", "title": "T"}).errors
    assert form_class({"url": "", "title": "T"}).errors  # neither a URL nor a file
    upload = SimpleUploadedFile("page.html", b"<script></script>", "text/html")
    assert "file" in form_class({"title": "T"}, {"file": upload}).errors


@FUZZ
@given(data=st.data())
def test_adding_a_source_never_fails_and_a_refusal_writes_nothing(editor_client, detention, data):
    fields = {
        "url": data.draw(st.one_of(st.just("https://example.org/a"), value)),
        "title": data.draw(value),
        "publisher": data.draw(value),
        "published_on": data.draw(st.one_of(st.just(""), _dates, value)),
        "existing": data.draw(st.one_of(st.just(""), _ids, value)),
        "facts": data.draw(
            st.one_of(st.just(f"detention-{detention.pk}"), st.just("detention-99999"), value)
        ),
    }
    before = _citations()
    url = reverse("staff:source_add", args=[detention.case.pk])
    response = fuzz_post(editor_client, url, fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert _citations() == before
    assert fuzz_get(editor_client, url, {"q": data.draw(value)}).status_code < 500
