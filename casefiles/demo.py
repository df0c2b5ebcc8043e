"""The demo case: every fact stated in the MEPs' letter of 29 June 2021, as records.

`load_demo_case()` can run any number of times; after the first it writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from casefiles.choices import (
    CaseStatus,
    ChargeStatus,
    DetentionMeasure,
    EventKind,
    HearingKind,
    ParticipantRole,
    PartyRole,
    SentenceKind,
    SentenceStepKind,
    TermUnit,
)
from casefiles.models import (
    Article,
    Case,
    CaseParty,
    Charge,
    Detention,
    Event,
    EventParticipant,
    Hearing,
    SentenceStep,
    Source,
)
from people.choices import AliasKind, OrganisationKind, RelationshipKind, Script
from people.dates import DatePrecision, truncate_to_precision
from people.demo import ensure
from people.models import Alias, HealthCondition, Organisation, Person, Position, Relationship
from people.roles import EDITOR, LETTERS

CASE_REFERENCE = "KZ-2021-MENDYGAZYEV"
DEMO_USERNAME = "demo"
DEFAULT_DEMO_PASSWORD = "casefiles-demo"

D = datetime.date

# Footnotes 1–8 of the letter, in order.
SOURCES = [
    (
        "https://freedomkazakhstan.com/",
        "Freedom Kazakhstan Foundation",
        "Freedom Kazakhstan Foundation",
        None,
    ),
    (
        "https://freedomkazakhstan.com/news/38.html",
        "Freedom Kazakhstan: violations in the January 2021 parliamentary elections",
        "Freedom Kazakhstan Foundation",
        None,
    ),
    (
        "https://www.youtube.com/watch?v=sd5UXv60I6U&t=3172s",
        "Online event with Members of the European Parliament (recording)",
        "YouTube",
        None,
    ),
    (
        "https://www.europarl.europa.eu/doceo/document/TA-9-2021-0056_EN.pdf",
        "European Parliament resolution of 11 February 2021 on the human rights situation in Kazakhstan",
        "European Parliament",
        D(2021, 2, 11),
    ),
    (
        "https://twitter.com/qaharman_kz/status/1326048670790397952?s=20",
        "Qaharman: search of the KSS premises and interrogations",
        "Twitter (@qaharman_kz)",
        None,
    ),
    (
        "https://www.facebook.com/groups/ActivistsNotExtremists/permalink/2988337338152196/",
        "Activists Not Extremists: verdict against KSS staff",
        "Facebook group ActivistsNotExtremists",
        None,
    ),
    (
        "https://en.odfoundation.eu/a/33142.kazakhstans-kafkaesque-dictatorship-the-authorities-playing-rodéo-with-its-critics/",
        "Kazakhstan's Kafkaesque dictatorship: the authorities playing rodéo with its critics",
        "Open Dialogue Foundation",
        None,
    ),
    (
        "https://www.facebook.com/groups/ActivistsNotExtremists/permalink/3009958602656736/",
        "Activists Not Extremists: interrogation of Kalyk Mendygazyev",
        "Facebook group ActivistsNotExtremists",
        None,
    ),
]

# (key, title, given, family, original script name, Latin aliases, residence)
PERSONS = [
    (
        "bekizhan",
        "Mr",
        "Bekizhan",
        "Mendygazyev",
        "Бекижан Мендыгазиев",
        ["Bekizhan Mendygaziev", "Bekizhan Mendygaziyev"],
        "Aksay, Kazakhstan",
    ),
    (
        "barlyk",
        "Mr",
        "Barlyk",
        "Mendygazyev",
        "Барлык Мендыгазиев",
        ["Barlyk Mendygaziev", "Barlyk Mendygaziyev"],
        "United States",
    ),
    ("erik", "Mr", "Erik", "Mendygazyev", "Ерик Мендыгазиев", ["Erik Mendygaziev"], "Kazakhstan"),
    (
        "kalyk",
        "Mr",
        "Kalyk",
        "Mendygazyev",
        "Калык Мендыгазиев",
        ["Kalyk Mendygaziev"],
        "Kazakhstan",
    ),
    ("abay", "Mr", "Abay", "Mendygazyev", "Абай Мендыгазиев", ["Abai Mendygaziev"], "Kazakhstan"),
    (
        "arman",
        "Mr",
        "Arman",
        "Mendygazyev",
        "Арман Мендыгазиев",
        ["Arman Mendygaziev"],
        "Kazakhstan",
    ),
    (
        "jussupov",
        "Mr",
        "Baurzhan",
        "Jussupov",
        "Бауржан Жусупов",
        ["Baurzhan Zhusupov", "Baurzhan Yusupov"],
        "Kazakhstan",
    ),
    (
        "dauletiyarova",
        "Mrs",
        "Nataliya",
        "Dauletiyarova",
        "Наталья Даулетиярова",
        ["Natalya Dauletiyarova", "Nataliya Dauletiiarova"],
        "Kazakhstan",
    ),
    ("batkayev", "Mr", "Rinat", "Batkayev", "Ринат Баткаев", ["Rinat Batkaev"], "Kazakhstan"),
    (
        "tokayev",
        "",
        "Kassym-Jomart",
        "Tokayev",
        "Касым-Жомарт Токаев",
        ["Kassym-Zhomart Tokaev"],
        "Kazakhstan",
    ),
    ("tleuberdi", "", "Mukhtar", "Tleuberdi", "Мухтар Тлеуберди", [], "Kazakhstan"),
    ("massimov", "", "Karim", "Massimov", "Карим Масимов", ["Karim Masimov"], "Kazakhstan"),
    (
        "nazarbayev",
        "",
        "Nursultan",
        "Nazarbayev",
        "Нурсултан Назарбаев",
        ["Nursultan Nazarbaev"],
        "Kazakhstan",
    ),
    ("carlsson", "", "Sven-Olov", "Carlsson", "", [], "Kazakhstan"),
    ("austrevicius", "", "Petras", "Auštrevičius", "", ["Petras Austrevicius"], "Lithuania"),
    ("nienass", "", "Niklas", "Nienaß", "", ["Niklas Nienass"], "Germany"),
    ("santos", "", "Isabel", "Santos", "", [], "Portugal"),
    ("scholz", "", "Helmut", "Scholz", "", [], "Germany"),
    ("thun", "", "Róża", "Thun und Hohenstein", "", ["Roza Thun"], "Poland"),
]

CITIZENSHIP = {
    "austrevicius": "LT",
    "nienass": "DE",
    "santos": "PT",
    "scholz": "DE",
    "thun": "PL",
    "carlsson": "SE",
}

# (key, name, abbreviation, kind, parent key, country, city, address, email, website)
ORGANISATIONS = [
    (
        "akorda",
        "Office of the President of the Republic of Kazakhstan",
        "Akorda",
        OrganisationKind.HEAD_OF_STATE,
        None,
        "KZ",
        "Nur-Sultan",
        "Mangilik Yel st. 6, Government House\n010000, Nur-Sultan\nKazakhstan",
        "aprk@akorda.kz",
        "",
    ),
    (
        "mfa",
        "Ministry of Foreign Affairs of the Republic of Kazakhstan",
        "MFA",
        OrganisationKind.MINISTRY,
        None,
        "KZ",
        "Nur-Sultan",
        "Kunayev st. 31\n010000, Nur-Sultan\nKazakhstan",
        "nursultan@mfa.kz",
        "",
    ),
    (
        "nsc",
        "National Security Committee of the Republic of Kazakhstan",
        "NSC",
        OrganisationKind.STATE_SECURITY,
        None,
        "KZ",
        "Nur-Sultan",
        "Syganak st. 20\n010000, Nur-Sultan\nKazakhstan",
        "press@knb.kz",
        "",
    ),
    (
        "security_council",
        "Security Council of Kazakhstan",
        "",
        OrganisationKind.SECURITY_COUNCIL,
        None,
        "KZ",
        "Nur-Sultan",
        "Mangilik Yel st. 6, Government House\n010000, Nur-Sultan\nKazakhstan",
        "apr@akorda.kz",
        "",
    ),
    ("police", "Police of Kazakhstan", "", OrganisationKind.POLICE, None, "KZ", "", "", "", ""),
    (
        "inv_uralsk",
        "Investigators from Uralsk",
        "",
        OrganisationKind.INVESTIGATOR,
        "nsc",
        "KZ",
        "Uralsk",
        "",
        "",
        "",
    ),
    (
        "inv_atyrau",
        "Investigators from Atyrau",
        "",
        OrganisationKind.INVESTIGATOR,
        "nsc",
        "KZ",
        "Atyrau",
        "",
        "",
        "",
    ),
    (
        "inv_nursultan",
        "Investigators from Nur-Sultan",
        "",
        OrganisationKind.INVESTIGATOR,
        "nsc",
        "KZ",
        "Nur-Sultan",
        "",
        "",
        "",
    ),
    (
        "eu_delegation",
        "Delegation of the European Union to Kazakhstan",
        "",
        OrganisationKind.EU_DELEGATION,
        None,
        "KZ",
        "Nur-Sultan",
        "Kosmonavtov st. 62, 7th floor\nZ05E9E1, Nur-Sultan\nKazakhstan",
        "Delegation-Kazakhstan@eeas.europa.eu",
        "",
    ),
    (
        "fkf",
        "Freedom Kazakhstan Foundation",
        "",
        OrganisationKind.FOUNDATION,
        None,
        "US",
        "",
        "",
        "",
        "https://freedomkazakhstan.com/",
    ),
    (
        "kss",
        "Karachaganak Support Services",
        "KSS",
        OrganisationKind.COMPANY,
        None,
        "KZ",
        "Aksay",
        "",
        "",
        "",
    ),
    (
        "ep",
        "European Parliament",
        "EP",
        OrganisationKind.PARLIAMENT,
        None,
        "",
        "Brussels",
        "",
        "",
        "https://www.europarl.europa.eu/",
    ),
    ("renew", "Renew Europe Group", "", OrganisationKind.POLITICAL_GROUP, "ep", "", "", "", "", ""),
    (
        "greens",
        "Group of the Greens/European Free Alliance",
        "",
        OrganisationKind.POLITICAL_GROUP,
        "ep",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "sd",
        "Group of the Progressive Alliance of Socialists and Democrats",
        "S&D",
        OrganisationKind.POLITICAL_GROUP,
        "ep",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "left",
        "The Left in the European Parliament",
        "The Left",
        OrganisationKind.POLITICAL_GROUP,
        "ep",
        "",
        "",
        "",
        "",
        "",
    ),
    (
        "epp",
        "Group of the European People's Party (Christian Democrats)",
        "EPP",
        OrganisationKind.POLITICAL_GROUP,
        "ep",
        "",
        "",
        "",
        "",
        "",
    ),
]

# (key, person, organisation, title, abbreviation, honorific, country, address, emails)
POSITIONS = [
    (
        "president",
        "tokayev",
        "akorda",
        "President of the Republic of Kazakhstan",
        "",
        "H.E.",
        "",
        "Mangilik Yel st. 6, Government House\n010000, Nur-Sultan\nKazakhstan",
        "aprk@akorda.kz",
    ),
    (
        "foreign_minister",
        "tleuberdi",
        "mfa",
        "Minister of Foreign Affairs of the Republic of Kazakhstan",
        "",
        "H.E.",
        "",
        "Kunayev st. 31\n010000, Nur-Sultan\nKazakhstan",
        "nursultan@mfa.kz",
    ),
    (
        "nsc_chair",
        "massimov",
        "nsc",
        "Chairperson of the National Security Committee",
        "",
        "H.E.",
        "",
        "Syganak st. 20\n010000, Nur-Sultan\nKazakhstan",
        "press@knb.kz",
    ),
    (
        "security_council_chair",
        "nazarbayev",
        "security_council",
        "Chairperson of the Security Council of Kazakhstan",
        "",
        "H.E.",
        "",
        "Mangilik Yel st. 6, Government House\n010000, Nur-Sultan\nKazakhstan",
        "apr@akorda.kz",
    ),
    (
        "eu_ambassador",
        "carlsson",
        "eu_delegation",
        "Head of the Delegation of the European Union to Kazakhstan",
        "",
        "H.E.",
        "",
        "Kosmonavtov st. 62, 7th floor\nZ05E9E1, Nur-Sultan\nKazakhstan",
        "Delegation-Kazakhstan@eeas.europa.eu\nDelegation-Kazakhstan-HRFOCALPOINT@eeas.europa.eu",
    ),
    (
        "mep_austrevicius",
        "austrevicius",
        "renew",
        "Member of the European Parliament",
        "MEP",
        "",
        "LT",
        "",
        "",
    ),
    (
        "mep_nienass",
        "nienass",
        "greens",
        "Member of the European Parliament",
        "MEP",
        "",
        "DE",
        "",
        "",
    ),
    ("mep_santos", "santos", "sd", "Member of the European Parliament", "MEP", "", "PT", "", ""),
    ("mep_scholz", "scholz", "left", "Member of the European Parliament", "MEP", "", "DE", "", ""),
    ("mep_thun", "thun", "epp", "Member of the European Parliament", "MEP", "", "PL", "", ""),
    ("fkf_founder", "barlyk", "fkf", "Founder", "", "", "", "", ""),
    ("kss_former_owner", "barlyk", "kss", "Former owner", "", "", "", "", ""),
    ("kss_director", "jussupov", "kss", "Director", "", "", "", "", ""),
    ("kss_contractor", "dauletiyarova", "kss", "Contractor", "", "", "", "", ""),
    (
        "kss_food_supplier",
        "bekizhan",
        "kss",
        "Food supplier (for over ten years)",
        "",
        "",
        "",
        "",
        "",
    ),
]

RELATIONSHIPS = [
    ("barlyk", RelationshipKind.BROTHER, "bekizhan"),
    ("bekizhan", RelationshipKind.BROTHER, "barlyk"),
    ("erik", RelationshipKind.RELATIVE, "barlyk"),
    ("kalyk", RelationshipKind.RELATIVE, "barlyk"),
    ("abay", RelationshipKind.RELATIVE, "barlyk"),
    ("arman", RelationshipKind.RELATIVE, "barlyk"),
    ("jussupov", RelationshipKind.ASSOCIATE, "barlyk"),
    ("dauletiyarova", RelationshipKind.ASSOCIATE, "barlyk"),
    ("batkayev", RelationshipKind.ASSISTANT, "dauletiyarova"),
]

HEALTH = [
    ("bekizhan", "Spinal disc herniation", ""),
    ("bekizhan", "Chronic hepatitis C", "Requires constant medical supervision."),
    ("kalyk", "Major leg amputation", ""),
    ("kalyk", "Near blindness", "Has almost gone blind."),
]

ARTICLES = [
    ("262", "2", "Participation in an organised group or criminal organisation"),
    ("218", "2", "Money laundering on a large scale or by a criminal group"),
    ("245", "3", "Tax evasion committed by a criminal group or on an especially large scale"),
]

PARTIES = [
    ("bekizhan", PartyRole.POLITICAL_PRISONER, "Detained since 5 June 2021."),
    ("barlyk", PartyRole.ACTIVIST, "Philanthropist; the authorities' real target."),
    ("erik", PartyRole.TARGETED_RELATIVE, ""),
    ("kalyk", PartyRole.TARGETED_RELATIVE, ""),
    ("abay", PartyRole.TARGETED_RELATIVE, ""),
    ("arman", PartyRole.TARGETED_RELATIVE, ""),
    ("jussupov", PartyRole.TARGETED_ASSOCIATE, "KSS director."),
    ("dauletiyarova", PartyRole.TARGETED_ASSOCIATE, "KSS contractor."),
    ("batkayev", PartyRole.TARGETED_ASSOCIATE, "Assistant to Nataliya Dauletiyarova."),
]
ORGANISATION_PARTIES = [
    ("nsc", PartyRole.AUTHORITY, "Supervises the investigation."),
    ("police", PartyRole.AUTHORITY, ""),
    (
        "inv_uralsk",
        PartyRole.INVESTIGATOR,
        "Six investigators in total from Uralsk, Atyrau and Nur-Sultan.",
    ),
    (
        "inv_atyrau",
        PartyRole.INVESTIGATOR,
        "Six investigators in total from Uralsk, Atyrau and Nur-Sultan.",
    ),
    (
        "inv_nursultan",
        PartyRole.INVESTIGATOR,
        "Six investigators in total from Uralsk, Atyrau and Nur-Sultan.",
    ),
    (
        "kss",
        PartyRole.EMPLOYER,
        "Barlyk Mendygazyev's former company; searched on 6 November 2020.",
    ),
    ("fkf", PartyRole.SUPPORTER, "Founded by Barlyk Mendygazyev."),
]

VERDICT_DAY = D(2021, 5, 17)
UNSTATED_CHARGE = "Politically motivated charges (articles not stated in the source)"

# (key, date, precision, kind, title, description, place, source footnotes, participants)
EVENTS = [
    (
        "fkf_support",
        D(2020, 1, 1),
        DatePrecision.APPROXIMATE,
        EventKind.ADVOCACY,
        "Freedom Kazakhstan Foundation supports persecuted activists",
        "Barlyk Mendygazyev's foundation supports activists, peaceful protesters and families of "
        "political prisoners: it pays politically motivated administrative fines and hires lawyers.",
        "",
        [1],
        [("barlyk", ParticipantRole.AUTHOR), ("fkf", ParticipantRole.AUTHOR)],
    ),
    (
        "mep_meetings",
        D(2020, 1, 1),
        DatePrecision.YEAR,
        EventKind.ADVOCACY,
        "Barlyk Mendygazyev takes part in online events with MEPs",
        "Online events and meetings with Members of the European Parliament and EU national "
        "parliaments, advocating Magnitsky-like sanctions.",
        "",
        [3],
        [("barlyk", ParticipantRole.PARTICIPANT), ("ep", ParticipantRole.PARTICIPANT)],
    ),
    (
        "kss_search",
        D(2020, 11, 6),
        DatePrecision.DAY,
        EventKind.SEARCH,
        "Police and NSC search the premises of Karachaganak Support Services",
        "Illegal search of the premises of Barlyk Mendygazyev's former company.",
        "Aksay",
        [5],
        [
            ("police", ParticipantRole.PERPETRATOR),
            ("nsc", ParticipantRole.PERPETRATOR),
            ("kss", ParticipantRole.TARGET),
        ],
    ),
    (
        "kss_interrogations",
        D(2020, 11, 6),
        DatePrecision.DAY,
        EventKind.INTERROGATION,
        "KSS employees interrogated for hours without lawyers",
        "Employees were pressured to give false confessions against Barlyk Mendygazyev.",
        "Aksay",
        [5],
        [
            ("police", ParticipantRole.PERPETRATOR),
            ("nsc", ParticipantRole.PERPETRATOR),
            ("kss", ParticipantRole.TARGET),
        ],
    ),
    (
        "elections",
        D(2021, 1, 10),
        DatePrecision.MONTH,
        EventKind.ELECTION,
        "Parliamentary elections in Kazakhstan",
        "Barlyk Mendygazyev gave MEPs first-hand information on electoral violations.",
        "",
        [2],
        [("barlyk", ParticipantRole.WITNESS)],
    ),
    (
        "ep_resolution",
        D(2021, 2, 11),
        DatePrecision.DAY,
        EventKind.PARLIAMENT_RESOLUTION,
        "European Parliament urgent resolution on Kazakhstan",
        "Strongly condemned the retaliatory prosecution against Barlyk Mendygazyev, his associates "
        "and family members.",
        "Brussels",
        [4],
        [("ep", ParticipantRole.AUTHOR), ("barlyk", ParticipantRole.TARGET)],
    ),
    (
        "kss_verdict",
        VERDICT_DAY,
        DatePrecision.DAY,
        EventKind.VERDICT,
        "KSS director, contractor and assistant sentenced to probation",
        "Acquitted of Art. 262, Part 2 of the CC; Baurzhan Jussupov sentenced to 5 years and "
        "Nataliya Dauletiyarova and Rinat Batkayev to 3 years of probation.",
        "",
        [6],
        [
            ("jussupov", ParticipantRole.TARGET),
            ("dauletiyarova", ParticipantRole.TARGET),
            ("batkayev", ParticipantRole.TARGET),
        ],
    ),
    (
        "human_rights_decree",
        D(2021, 6, 1),
        DatePrecision.MONTH,
        EventKind.STATEMENT,
        'Decree "On further measures of the Republic of Kazakhstan in the field of human rights"',
        "Newly signed when the letter of 29 June 2021 was sent.",
        "",
        [],
        [],
    ),
    (
        "relatives_prosecuted",
        D(2021, 1, 1),
        DatePrecision.APPROXIMATE,
        EventKind.HARASSMENT,
        "Four relatives of Barlyk Mendygazyev prosecuted",
        "Erik, Kalyk, Abay and Arman Mendygazyev are prosecuted over links to Barlyk Mendygazyev.",
        "",
        [7],
        [
            ("erik", ParticipantRole.TARGET),
            ("kalyk", ParticipantRole.TARGET),
            ("abay", ParticipantRole.TARGET),
            ("arman", ParticipantRole.TARGET),
        ],
    ),
    (
        "kalyk_interrogation",
        D(2021, 1, 1),
        DatePrecision.APPROXIMATE,
        EventKind.ILL_TREATMENT,
        "Exhausting interrogation of Kalyk Mendygazyev",
        "Interrogated despite a major leg amputation and near blindness; qualifies as torture and "
        "threatens his life.",
        "",
        [8],
        [
            ("kalyk", ParticipantRole.TARGET),
            ("police", ParticipantRole.PERPETRATOR),
            ("nsc", ParticipantRole.PERPETRATOR),
        ],
    ),
]


@dataclass
class DemoCase:
    case: Case
    persons: dict[str, Person]
    positions: dict[str, Position]
    sources: list[Source]  # footnotes 1–8, in order
    user: User


def load_demo_case(*, password: str = DEFAULT_DEMO_PASSWORD) -> DemoCase:
    """Create (or leave as it is) the Mendygazyev case with every fact from the letter."""
    sources = [
        ensure(
            Source,
            {"url": url},
            {
                "title": title,
                "publisher": publisher,
                "published_on": published,
                "accessed_on": D(2021, 6, 29),
            },
        )
        for url, title, publisher, published in SOURCES
    ]

    persons: dict[str, Person] = {}
    for key, title, given, family, original, aliases, residence in PERSONS:
        person = ensure(
            Person,
            {"given_name": given, "family_name": family},
            {
                "title": title,
                "name_original": original,
                "original_script": Script.CYRILLIC if original else "",
                "citizenship": CITIZENSHIP.get(key, "KZ"),
                "residence": residence,
                "home_town": "Aksay" if key == "barlyk" else "",
            },
        )
        persons[key] = person
        if original:
            ensure(
                Alias,
                {"person": person, "name": original},
                {"script": Script.CYRILLIC, "kind": AliasKind.ORIGINAL},
            )
        for alias in aliases:
            ensure(
                Alias,
                {"person": person, "name": alias},
                {"script": Script.LATIN, "kind": AliasKind.TRANSLITERATION},
            )

    organisations: dict[str, Organisation] = {}
    for key, name, abbr, kind, parent, country, city, address, email, website in ORGANISATIONS:
        organisations[key] = ensure(
            Organisation,
            {"name": name, "country": country},
            {
                "abbreviation": abbr,
                "kind": kind,
                "parent": organisations[parent] if parent else None,
                "city": city,
                "postal_address": address,
                "email": email,
                "website": website,
            },
        )

    positions: dict[str, Position] = {}
    for key, holder, org_key, title, abbr, honorific, country, address, emails in POSITIONS:
        positions[key] = ensure(
            Position,
            {"person": persons[holder], "organisation": organisations[org_key], "title": title},
            {
                "title_abbreviation": abbr,
                "honorific": honorific,
                "represents_country": country,
                "postal_address": address,
                "emails": emails,
            },
        )

    for who, relation, other in RELATIONSHIPS:
        ensure(Relationship, {"person": persons[who], "other": persons[other], "kind": relation})
    for who, condition, description in HEALTH:
        ensure(
            HealthCondition,
            {"person": persons[who], "condition": condition},
            {"description": description},
        )

    articles = {
        (number, part): ensure(
            Article,
            {"jurisdiction": "KZ", "code": "Criminal Code", "number": number, "part": part},
            {"code_abbreviation": "CC", "title": title},
        )
        for number, part, title in ARTICLES
    }

    case = ensure(
        Case,
        {"reference": CASE_REFERENCE},
        {
            "title": "Bekizhan Mendygazyev and the relatives and associates of Barlyk Mendygazyev",
            "country": "KZ",
            "status": CaseStatus.ACTIVE,
            "opened_on": D(2021, 6, 5),
            "summary": "Bekizhan Mendygazyev, brother of the philanthropist Barlyk Mendygazyev, was "
            "placed in pretrial detention on 5 June 2021 on fabricated charges. Relatives "
            "and former KSS staff are prosecuted over their links to Barlyk, whose "
            "foundation supports Kazakhstani activists and political prisoners.",
        },
    )
    for who, party_role, party_notes in PARTIES:
        ensure(
            CaseParty,
            {"case": case, "person": persons[who], "role": party_role},
            {"notes": party_notes},
        )
    for org, party_role, party_notes in ORGANISATION_PARTIES:
        ensure(
            CaseParty,
            {"case": case, "organisation": organisations[org], "role": party_role},
            {"notes": party_notes},
        )

    detention_day = D(2021, 6, 5)
    for article in articles.values():
        ensure(
            Charge,
            {"case": case, "person": persons["bekizhan"], "article": article},
            {"brought_on": detention_day, "status": ChargeStatus.CHARGED},
        )
    for key, years in (("jussupov", 5), ("dauletiyarova", 3), ("batkayev", 3)):
        acquitted = ensure(
            Charge,
            {"case": case, "person": persons[key], "article": articles[("262", "2")]},
            {"status": ChargeStatus.ACQUITTED, "decided_on": VERDICT_DAY},
        )
        convicted = ensure(
            Charge,
            {"case": case, "person": persons[key], "description": UNSTATED_CHARGE},
            {"status": ChargeStatus.CONVICTED, "decided_on": VERDICT_DAY},
        )
        acquitted.sources.set([sources[5]])
        convicted.sources.set([sources[5]])
        # The sentence is the person's, imposed on the day of the verdict.
        imposed = ensure(
            SentenceStep,
            {"case": case, "person": persons[key], "kind": SentenceStepKind.IMPOSED},
            {
                "occurred_on": VERDICT_DAY,
                "precision": DatePrecision.DAY,
                "sentence_kind": SentenceKind.PROBATION,
                "months": years * 12,
            },
        )
        imposed.sources.set([sources[5]])
    for key in ("erik", "kalyk", "abay", "arman"):
        charge = ensure(
            Charge,
            {
                "case": case,
                "person": persons[key],
                "description": "Prosecuted over links to Barlyk Mendygazyev (charges not stated)",
            },
            {"status": ChargeStatus.UNDER_INVESTIGATION},
        )
        charge.sources.set([sources[6]])

    ensure(
        Detention,
        {
            "case": case,
            "person": persons["bekizhan"],
            "measure": DetentionMeasure.PRETRIAL_DETENTION,
            "started_on": detention_day,
        },
        {
            "term_length": 2,
            "term_unit": TermUnit.MONTHS,
            "planned_end": D(2021, 8, 5),
            "notes": "Ordered late at night on 5 June 2021.",
        },
    )

    detention_hearing = ensure(
        Hearing,
        {"case": case, "held_on": detention_day, "kind": HearingKind.DETENTION},
        {"outcome": "Two months of pretrial detention ordered, late at night."},
    )
    detention_hearing.defendants.set([persons["bekizhan"]])
    verdict_hearing = ensure(
        Hearing,
        {"case": case, "held_on": VERDICT_DAY, "kind": HearingKind.VERDICT},
        {
            "outcome": "Acquitted of Art. 262, Part 2 of the CC; sentenced to 5 and 3 years of "
            "probation under politically motivated charges."
        },
    )
    verdict_hearing.defendants.set([persons[k] for k in ("jussupov", "dauletiyarova", "batkayev")])
    verdict_hearing.sources.set([sources[5]])

    for _key, day, precision, event_kind, title, description, place, cited, participants in EVENTS:
        event = ensure(
            Event,
            {"case": case, "title": title},
            {
                # Stored as Event.clean stores it, so that a second load changes nothing.
                "occurred_on": truncate_to_precision(day, precision),
                "precision": precision,
                "kind": event_kind,
                "description": description,
                "place": place,
            },
        )
        event.sources.set([sources[n - 1] for n in cited])
        for who, role in participants:
            target = (
                {"person": persons[who]} if who in persons else {"organisation": organisations[who]}
            )
            ensure(EventParticipant, {"event": event, **target, "role": role})

    user = demo_user_ensure(password=password)
    if not case.assigned_staff.filter(pk=user.pk).exists():
        case.assigned_staff.add(user)  # add() records history even when nothing changes
    # The reminder the daily job made a week before the ordered term ran out.
    from casefiles.services import calendar_feed_issue, reminders_create_due

    reminders_create_due(today=D(2021, 7, 29))
    # A calendar feed, so the back office shows one; its address is not kept (only a hash
    # is): the demo user makes a new one on the Calendar page.
    if not user.calendar_feeds.exists():
        calendar_feed_issue(user=user)
    return DemoCase(case=case, persons=persons, positions=positions, sources=sources, user=user)


def demo_user_ensure(*, password: str) -> User:
    """The `demo` staff account, in the Editor and Letters roles.

    `password` is given only when the account is created: a password someone has since
    changed is never put back to the published one.
    """
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=DEMO_USERNAME,
            password=password,
            is_staff=True,
            first_name="Demo",
            last_name="Staff",
            email="demo@casefiles.invalid",
        )
    roles = set(Group.objects.filter(name__in=[EDITOR, LETTERS]))
    if set(user.groups.all()) != roles:
        user.groups.add(*roles)
    return user
