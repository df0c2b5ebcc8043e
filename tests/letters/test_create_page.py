"""Starting a letter from the case page: a template filled with the case's facts."""

import datetime

import pytest
from django.urls import reverse

from casefiles.models import Case
from letters.demo import PRETRIAL_TEMPLATE
from letters.models import Letter, LetterRecipient, LetterSignatory, LetterTemplate
from letters.services import letter_reference_suggest
from people.models import Person, Position

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(demo_letter) -> Case:
    return demo_letter.case


def create_url(case: Case) -> str:
    return reverse("letters:create", args=[case.pk])


def test_the_case_page_offers_a_new_letter_only_to_the_letters_role(
    client, case, letters_user, editor
):
    client.force_login(letters_user)
    page = client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert f'href="{create_url(case)}"' in page
    client.force_login(editor)
    page = client.get(reverse("staff:case_detail", args=[case.pk])).content.decode()
    assert create_url(case) not in page
    assert client.get(create_url(case)).status_code == 403
    assert client.post(create_url(case), {"reference": "X"}).status_code == 403


def test_a_new_letter_starts_from_the_template_filled_with_the_case_facts(
    client, case, letters_user
):
    template = LetterTemplate.objects.get(name=PRETRIAL_TEMPLATE)
    client.force_login(letters_user)
    form = client.get(create_url(case))
    assert form.context["form"].initial["reference"] == letter_reference_suggest()
    response = client.post(
        create_url(case),
        {
            "template": template.pk,
            "reference": "LTR-2021-08-01",
            "subject": "",
            "place": "Strasbourg",
            "dated_on": "2021-08-01",
        },
    )
    letter = Letter.objects.get(reference="LTR-2021-08-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:detail", args=[letter.pk])
    assert (letter.case, letter.place, letter.dated_on, letter.status) == (
        case,
        "Strasbourg",
        datetime.date(2021, 8, 1),
        "draft",
    )
    assert "Bekizhan Mendygazyev" in letter.body
    assert "Art. 262, Part 2 of the CC" in letter.body
    assert "{{" not in letter.body
    assert letter.history.first().history_user == letters_user


def test_a_taken_reference_is_refused_on_the_form_and_nothing_is_created(
    client, case, letters_user
):
    client.force_login(letters_user)
    before = Letter.objects.count()
    response = client.post(
        create_url(case),
        {
            "template": LetterTemplate.objects.get(name=PRETRIAL_TEMPLATE).pk,
            "reference": "LTR-2021-06-29",
            "place": "Brussels",
            "dated_on": "2021-08-01",
        },
    )
    assert response.status_code == 200
    assert "A letter with this reference exists." in response.content.decode()
    assert Letter.objects.count() == before


def test_the_suggested_reference_skips_the_ones_taken(demo_letter):
    day = datetime.date(2021, 6, 29)
    assert letter_reference_suggest(day=day) == "LTR-2021-06-29-2"
    assert letter_reference_suggest(day=datetime.date(2021, 6, 30)) == "LTR-2021-06-30"


def test_the_admin_copies_a_signatory_line_and_an_address_block_from_the_position(
    client, demo_letter, letters_user
):
    minister = Position.objects.get(title__startswith="Minister of Foreign Affairs")
    mep = Position.objects.get(person__family_name="Santos")
    client.force_login(letters_user)
    response = client.post(
        reverse("admin:letters_lettersignatory_add"),
        {
            "letter": demo_letter.pk,
            "person": Person.objects.get(family_name="Scholz").pk,
            "position": mep.pk,
            "order": 9,
            "signs_as": "",
            "status": "invited",
        },
    )
    # Scholz already signs this letter: the form says so and writes nothing.
    assert response.status_code == 200
    assert "This person already signs this letter." in response.content.decode()
    response = client.post(
        reverse("admin:letters_lettersignatory_add"),
        {
            "letter": demo_letter.pk,
            "person": mep.person.pk,
            "position": mep.pk,
            "order": 9,
            "signs_as": "",
            "status": "invited",
        },
    )
    assert response.status_code == 200  # Santos signs too: refused the same way
    assert LetterSignatory.objects.filter(letter=demo_letter).count() == 5

    other = Letter.objects.create(
        case=demo_letter.case, reference="LTR-X", subject="Follow-up", body="Text."
    )
    response = client.post(
        reverse("admin:letters_lettersignatory_add"),
        {
            "letter": other.pk,
            "person": mep.person.pk,
            "position": mep.pk,
            "order": 0,
            "signs_as": "",
            "status": "invited",
        },
    )
    assert response.status_code == 302
    assert LetterSignatory.objects.get(letter=other).signs_as == "MEP (S&D; Portugal)"

    response = client.post(
        reverse("admin:letters_letterrecipient_add"),
        {
            "letter": other.pk,
            "kind": "cc",
            "position": minister.pk,
            "order": 1,
            "title_line": "",
            "address_block": "",
        },
    )
    assert response.status_code == 302
    recipient = LetterRecipient.objects.get(letter=other)
    assert recipient.title_line == "Minister of Foreign Affairs of the Republic of Kazakhstan"
    assert recipient.address_lines[0] == "H.E. Mukhtar Tleuberdi"
    assert recipient.address_lines[-1] == "nursultan@mfa.kz"


def test_a_recipient_without_position_or_address_is_refused_with_a_message(
    client, demo_letter, letters_user
):
    client.force_login(letters_user)
    response = client.post(
        reverse("admin:letters_letterrecipient_add"),
        {"letter": demo_letter.pk, "kind": "cc", "order": 7, "title_line": "", "address_block": ""},
    )
    assert response.status_code == 200
    assert "Fill this in, or choose a position to copy it from." in response.content.decode()
    assert demo_letter.recipients.count() == 5
