"""The MEPs' letter of 29 June 2021 about Bekizhan Mendygazyev, as a Letter record."""

from __future__ import annotations

import datetime

from casefiles.demo import DemoCase
from letters.choices import LetterStatus, RecipientKind, SignedVia, SigningStatus
from letters.letter_templates import shipped_templates
from letters.models import Letter, Letterhead, LetterRecipient, LetterSignatory, LetterTemplate
from letters.services_revisions import letter_send_for_signature
from people.demo import ensure

LETTER_REFERENCE = "LTR-2021-06-29"
PRETRIAL_TEMPLATE = "Political prisoner in pretrial detention"

# The body as staff write it: Markdown, names in bold, [^src:N] citing footnote N of the
# letter; `letter_body` swaps N for the Source record's id.
BODY = """\
We, Members of the European Parliament, are writing to express our grave concern regarding the dire human rights situation in your country, in particular the case of political prisoner **Mr Bekizhan Mendygazyev**. With this letter, we underline the inadmissible practice of taking **Mr Barlyk Mendygazyev**'s associates and relatives as hostages, with the aim to force him to cease his human rights and charitable activities.

According to information we received from international and local human rights organisations, on 5 June 2021, late at night, Mr Bekizhan Mendygazyev was sentenced to two months of pretrial detention under fabricated charges of "participation in an organised group or criminal organisation" (Art. 262, Part 2 of Kazakhstan's Criminal Code), "money laundering on a large scale or by a criminal group" (Art. 218, Part 2 of the CC) and "tax evasion committed by a criminal group or on an especially large scale" (Art. 245, Part 3 of the CC). He suffers, among other things, from spinal disc herniation and chronic hepatitis C, which requires constant medical supervision. If not immediately released, it is likely that his already chronic health problems will get worse and worse.

There are reasons to believe that Mr Bekizhan Mendygazyev is being arbitrarily detained and prosecuted over links to the civic and charitable activities of his brother, Mr Barlyk Mendygazyev, a philanthropist and a human rights activist from Aksay, Kazakhstan, currently residing in the US. Specifically, Mr Barlyk Mendygazyev, being the founder of the US-based Freedom Kazakhstan Foundation, provides financial support to Kazakhstani activists and peaceful protesters persecuted on political grounds, as well as to the families of political prisoners in need.[^src:1] He helps them pay politically motivated administrative fines and hires lawyers to ensure their right to defence. Since 2020, he has taken part in several online events and meetings with the participation of Members of the European Parliament and EU national parliaments, providing them with first-hand information on instances of electoral violations during the 2021 January's parliamentary elections[^src:2] and advocating for the adoption of Magnitsky-like sanctions.[^src:3]

Despite the call of the European Parliament's urgent resolution of 11 February 2021, which strongly condemned the retaliatory prosecution against Mr Barlyk Mendygazyev, his associates and family members,[^src:4] we've learnt that the authorities continue to exert pressure on them. On 6 November 2020, Kazakhstan's police and the NSC conducted an illegal search of the premises of Mr Barlyk Mendygazyev's former company, "Karachaganak Support Services" (KSS), to which Mr Bekizhan Mendygazyev has supplied food for over ten years. During the search, employees were interrogated for hours in absence of lawyers and pressured to give false confessions against Mr Barlyk Mendygazyev.[^src:5] As a result, KSS director Mr Baurzhan Jussupov and KSS contractor Mrs Nataliya Dauletiyarova, and her assistant Mr Rinat Batkayev have become the target of the authorities. Notwithstanding the fact that Mr Jussupov, Mrs Dauletiyarova and Mr Batkayev have been acquitted from the charge of "participation in an organised group or criminal organisation" (Art. 262, Part 2 of the CC), on 17 May 2021, they were sentenced to 5 and 3 years of probation, respectively, under politically motivated charges.[^src:6] Worryingly, four other relatives of the philanthropist, namely Mr Erik, Kalyk, Abay and Arman Mendygazyev, are being prosecuted over links to Mr Barlyk Mendygazyev.[^src:7] We emphasise the inadmissibility of pressure and the exhausting politically motivated interrogation of Mr Kalyk Mendygazyev, who has undergone a major leg amputation operation and has almost gone blind. Such actions by police and NSC officers qualify as torture and cause a direct threat to his life.[^src:8]

The fact that the investigation on the case of Mr Bekizhan Mendygazyev is being conducted by a disproportionate number of investigators, six in total, from Uralsk, Atyrau and Nur-Sultan, upon the direct supervision of Kazakhstan's National Security Committee, further confirms the increased pressures that the authorities of Kazakhstan are exerting on the family of Mr Barlyk Mendygazyev.

By prosecuting and harassing Mr Barlyk Mendygazyev and his circle, the Kazakhstani authorities undermine the mutual trust built on the EU-Kazakhstan Enhanced Partnership Cooperation Agreement and the respect of its human rights obligations. Such actions also contradict the newly signed decree "On further measures of the Republic of Kazakhstan in the field of human rights".

Hence, we call on the Kazakhstani authorities to cease the groundless prosecution and harassment of Mr Barlyk Mendygazyev, as well as his family members and KSS associates, and point out the need to release his brother, Mr Bekizhan Mendygazyev, from prison without delay. We also take the opportunity to reiterate that any philanthropic activities should not become the object of politically motivated retaliation, but should instead be encouraged as a fundamental basis for the creation of a strong and independent civil society.
"""

# (position key, bold title line, kind) in the order the letter lists them.
RECIPIENTS = [
    ("president", "The President of the Republic of Kazakhstan", RecipientKind.ADDRESSEE),
    (
        "foreign_minister",
        "Minister of Foreign Affairs of the Republic of Kazakhstan",
        RecipientKind.CC,
    ),
    ("nsc_chair", "Chairperson of the National Security Committee", RecipientKind.CC),
    (
        "security_council_chair",
        "Chairperson of the Security Council of Kazakhstan",
        RecipientKind.CC,
    ),
    (
        "eu_ambassador",
        "Head of the Delegation of the European Union to Kazakhstan",
        RecipientKind.CC,
    ),
]

# (person key, position key, the line under the name exactly as the letter prints it)
SIGNATORIES = [
    ("austrevicius", "mep_austrevicius", "MEP (Renew Europe Group; Lithuania)"),
    ("nienass", "mep_nienass", "(Group of the Greens/European Free Alliance; Germany)"),
    ("santos", "mep_santos", "(S&D; Portugal)"),
    ("scholz", "mep_scholz", "(The Left; Germany)"),
    ("thun", "mep_thun", "MEP (EPP; Poland)"),
]


def load_demo_template() -> LetterTemplate:
    """The templates shipped in letters/letter_templates (as migration 0014 loads them);
    the pretrial detention one is returned."""
    for fields in shipped_templates():
        name = fields.pop("name")
        ensure(LetterTemplate, {"name": name}, fields)
    return LetterTemplate.objects.get(name=PRETRIAL_TEMPLATE)


def letter_body(demo: DemoCase) -> str:
    body = BODY
    # Highest first, so that [^src:1] never rewrites the start of [^src:10].
    for number in range(len(demo.sources), 0, -1):
        body = body.replace(f"[^src:{number}]", f"[^src:#{demo.sources[number - 1].pk}]")
    return body.replace("[^src:#", "[^src:")


def load_demo_letterhead() -> Letterhead:
    """A letterhead an Administrator would set (no logo); the seed letter does not use it."""
    existing = Letterhead.objects.first()
    if existing is not None:
        return existing
    return ensure(
        Letterhead,
        {"name": "Casefiles demo organisation"},
        {"address": "Example Street 1\n1000 Brussels\nBelgium"},
    )


def load_demo_letter(demo: DemoCase) -> Letter:
    load_demo_template()
    load_demo_letterhead()
    dated = datetime.date(2021, 6, 29)
    letter = ensure(
        Letter,
        {"reference": LETTER_REFERENCE},
        {
            "case": demo.case,
            "subject": "Political prisoner Bekizhan Mendygazyev and the relatives and associates "
            "of Barlyk Mendygazyev",
            "place": "Brussels",
            "dated_on": dated,
            "language": "en",
            # The letter as sent had no subject line.
            "show_subject": False,
            "salutation": "Your Excellency,",
            "body": letter_body(demo),
            "closing": "Sincerely,",
        },
    )
    for order, (position_key, title_line, kind) in enumerate(RECIPIENTS):
        position = demo.positions[position_key]
        ensure(
            LetterRecipient,
            {"letter": letter, "position": position},
            {
                "kind": kind,
                "order": order,
                "title_line": title_line,
                "address_block": position.address_block,
            },
        )
    # The text the MEPs signed: revision 1, frozen when it went out for signature.
    revision = letter.revisions.order_by("-number").first() or letter_send_for_signature(
        letter=letter
    )
    signed_at = datetime.datetime(2021, 6, 29, 9, 0, tzinfo=datetime.UTC)
    for order, (person_key, position_key, signs_as) in enumerate(SIGNATORIES):
        ensure(
            LetterSignatory,
            {"letter": letter, "person": demo.persons[person_key]},
            {
                "position": demo.positions[position_key],
                "order": order,
                "signs_as": signs_as,
                "status": SigningStatus.SIGNED,
                "revision": revision,
                "signed_at": signed_at,
                "signed_via": SignedVia.EMAIL,
            },
        )
    # Sent last: once sent, its recipients and signatories no longer change.
    return ensure(
        Letter, {"reference": LETTER_REFERENCE}, {"status": LetterStatus.SENT, "sent_on": dated}
    )
