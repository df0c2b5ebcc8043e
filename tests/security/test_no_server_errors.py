"""Whatever staff type or a browser sends — huge numbers, far dates, NUL bytes, broken UTF-8,
very long text — every staff page answers without a server error, and a refused form
writes nothing. Property-based (Hypothesis): each page gets a few dozen generated inputs."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casefiles.models import Detention, Hearing
from letters.choices import SigningStatus
from letters.models import Letter, LetterTemplate
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory
from tests.letters.conftest import make_letter
from tests.staff.conftest import logged_in

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Text without lone surrogates (those cannot be UTF-8 encoded); broken bytes come separately.
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_long_text = st.builds(
    lambda char, n: char * n, st.sampled_from("aЖ€\x00 "), st.integers(0, 60_000)
)
_numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
_dates = st.one_of(
    st.dates(), st.sampled_from([datetime.date.min, datetime.date.max, datetime.date(9999, 1, 1)])
).map(datetime.date.isoformat)
_datelike = st.builds(
    lambda y, m, d: f"{y}-{m}-{d}",
    st.integers(-99999, 99999),
    st.integers(-20, 20),
    st.integers(-40, 40),
)
_terms = st.builds(
    lambda n, unit: f"{n} {unit}",
    # Four digits is the most the term field reads; those are the numbers that overflow.
    st.one_of(st.integers(0, 10**12), st.integers(1000, 9999)),
    st.sampled_from(["days", "months", "years", "d", "m", "y", "weeks", ""]),
)
# Bytes that are not valid UTF-8: a lone surrogate, an overlong NUL, stray continuation bytes.
_broken_utf8 = st.sampled_from([b"\xed\xa0\x80", b"\xc0\x80", b"\x80\x80", b"\xff", b"a\x00b"])

value = st.one_of(_text, _long_text, _numbers, _dates, _datelike, _terms, _broken_utf8)


def _post(client, url: str, fields: dict):
    """A form post encoded by hand, so that broken UTF-8 reaches the server as sent."""
    body = urlencode(fields, doseq=True)
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _get(client, url: str, fields: dict):
    return client.get(url, QUERY_STRING=urlencode(fields, doseq=True))


@pytest.fixture
def case(db):
    case = CaseFactory()
    CasePartyFactory(case=case, person=PersonFactory())
    return case


@pytest.fixture
def editor_client(editor):
    return logged_in(editor)


@pytest.fixture
def letters_client(letters_user):
    return logged_in(letters_user)


# Ids as a browser could post them: real, unknown, beyond 64 bits, digits int() refuses.
_ids = st.one_of(
    st.integers(0, 2**70).map(str), st.sampled_from(["9223372036854775808", "²", "١٢", "-1"])
)


def _person_values(case):
    person = case.parties.first().person
    return st.one_of(value, _ids, st.just(str(person.pk)))


@FUZZ
@given(data=st.data())
def test_log_detention_never_fails_and_a_refusal_writes_nothing(editor_client, case, data):
    fields = {
        "person": data.draw(_person_values(case)),
        "measure": data.draw(st.one_of(st.just("pretrial_detention"), value)),
        "started_on": data.draw(st.one_of(_dates, value)),
        "term": data.draw(st.one_of(_terms, value)),
        "planned_end": data.draw(st.one_of(st.just(""), _dates, value)),
        "actual_end": data.draw(st.one_of(st.just(""), _dates, value)),
        "facility": data.draw(value),
        "notes": data.draw(value),
    }
    before = Detention.objects.count()
    response = _post(editor_client, reverse("staff:detention_log", args=[case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert Detention.objects.count() == before


@FUZZ
@given(data=st.data())
def test_log_hearing_never_fails_and_a_refusal_writes_nothing(editor_client, case, data):
    fields = {
        "held_on": data.draw(st.one_of(_dates, value)),
        "starts_at": data.draw(st.one_of(st.just(""), value)),
        "kind": data.draw(st.one_of(st.just("trial"), value)),
        "defendants": data.draw(st.lists(_person_values(case), max_size=3)),
        "court": data.draw(st.one_of(st.just(""), value)),
        "outcome": data.draw(value),
    }
    before = Hearing.objects.count()
    response = _post(editor_client, reverse("staff:hearing_log", args=[case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert Hearing.objects.count() == before


@FUZZ
@given(data=st.data())
def test_creating_a_letter_never_fails_and_a_refusal_writes_nothing(letters_client, case, data):
    template = LetterTemplate.objects.get_or_create(
        name="Fuzzed", defaults={"subject": "About the case", "body": "We write to you."}
    )[0]
    fields = {
        "template": data.draw(st.one_of(st.just(str(template.pk)), value)),
        "reference": data.draw(value),
        "subject": data.draw(value),
        "place": data.draw(value),
        "dated_on": data.draw(st.one_of(_dates, value)),
        "other_cases": data.draw(st.one_of(st.just(case.reference), value)),
    }
    before = Letter.objects.count()
    response = _post(letters_client, reverse("letters:create", args=[case.pk]), fields)
    assert response.status_code < 500
    if response.status_code != 302:
        assert Letter.objects.count() == before


@FUZZ
@given(
    via=st.one_of(st.sampled_from(["scanned", "email", "in_person"]), _text),
    name=st.builds(
        lambda stem, ext: f"{stem}.{ext}",
        st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=20),
        st.sampled_from(["png", "jpg", "html", "svg", "gif", "pdf", "", "PNG"]),
    ),
    content=st.one_of(st.binary(max_size=4096), st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)),
)
def test_recording_a_signature_never_fails_and_a_refusal_records_nothing(
    letters_client, via, name, content
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signatory = make_letter(signed=False).signatories.first()
    response = letters_client.post(
        reverse("letters:signatory_signed", args=[signatory.pk]),
        {"via": via, "signature_image": SimpleUploadedFile(name, content)},
    )
    assert response.status_code < 500
    signatory.refresh_from_db()
    # These bytes are never a whole PNG or JPEG, so every one of these posts is refused.
    assert signatory.status == SigningStatus.INVITED
    assert not signatory.signature_image


_case_list_params = st.fixed_dictionaries(
    {},
    optional={
        "q": value,
        "status": value,
        "country": value,
        "person": value,
        "article": value,
        "detained_now": value,
        "opened_after": value,
        "opened_before": value,
        "opened_min": value,
        "opened_max": value,
        "sort": value,
        "page": value,
        "format": st.one_of(st.just("csv"), value),
    },
)


@FUZZ
@given(params=_case_list_params)
def test_the_case_list_never_fails_whatever_its_filters(editor_client, case, params):
    response = _get(editor_client, reverse("staff:case_list"), params)
    assert response.status_code < 500
    if params.get("format") == "csv" and response.status_code == 200:
        b"".join(response.streaming_content)  # the rows are written as they stream


@FUZZ
@given(q=value)
def test_search_and_the_person_picker_never_fail(editor_client, case, q):
    assert _get(editor_client, reverse("staff:search"), {"q": q}).status_code < 500
    assert _get(editor_client, reverse("staff:person_picker"), {"q": q}).status_code < 500


@FUZZ
@given(kinds=st.lists(value, max_size=4), person=st.one_of(value, _ids), new=value)
def test_the_case_page_never_fails_whatever_its_filters(editor_client, case, kinds, person, new):
    url = reverse("staff:case_detail", args=[case.pk])
    response = _get(editor_client, url, {"kind": kinds, "person": person, "new": new})
    assert response.status_code < 500
    for log in ("staff:detention_log", "staff:hearing_log"):
        page = _get(editor_client, reverse(log, args=[case.pk]), {"person": person})
        assert page.status_code < 500


@FUZZ
@given(token=st.text(st.characters(whitelist_categories=("L", "N", "P")), max_size=80))
def test_the_calendar_pages_never_fail(editor_client, case, token):
    assert editor_client.get(reverse("staff:calendar")).status_code < 500
    if token and "/" not in token:
        response = editor_client.get(reverse("staff:calendar_feed", args=[token]))
        assert response.status_code < 500
