from django.db import models


class Script(models.TextChoices):
    LATIN = "latn", "Latin"
    CYRILLIC = "cyrl", "Cyrillic"
    OTHER = "other", "Other"


class AliasKind(models.TextChoices):
    ORIGINAL = "original", "Name in original script"
    TRANSLITERATION = "translit", "Transliteration"
    SPELLING = "spelling", "Spelling variant"
    FORMER = "former", "Former name"
    NICKNAME = "nickname", "Nickname / pseudonym"


class RelationshipKind(models.TextChoices):
    BROTHER = "brother", "Brother"
    SISTER = "sister", "Sister"
    SIBLING = "sibling", "Sibling"
    PARENT = "parent", "Parent"
    CHILD = "child", "Child"
    SPOUSE = "spouse", "Spouse"
    RELATIVE = "relative", "Relative"
    ASSOCIATE = "associate", "Associate"
    EMPLOYEE = "employee", "Employee"
    CONTRACTOR = "contractor", "Contractor"
    LAWYER = "lawyer", "Lawyer"
    ASSISTANT = "assistant", "Assistant"
    COLLEAGUE = "colleague", "Colleague"


class OrganisationKind(models.TextChoices):
    HEAD_OF_STATE = "head_of_state", "Head of state's office"
    MINISTRY = "ministry", "Ministry"
    STATE_SECURITY = "state_security", "State security service"
    SECURITY_COUNCIL = "security_council", "Security council"
    POLICE = "police", "Police"
    INVESTIGATOR = "investigator", "Investigative body"
    PROSECUTOR = "prosecutor", "Prosecutor's office"
    COURT = "court", "Court"
    PRISON = "prison", "Prison / detention facility"
    PARLIAMENT = "parliament", "Parliament"
    POLITICAL_GROUP = "political_group", "Political group"
    PARLIAMENTARY_COMMITTEE = "committee", "Parliamentary committee"
    POLITICAL_PARTY = "political_party", "Political party"
    EU_DELEGATION = "eu_delegation", "EU delegation"
    UN_BODY = "un_body", "UN body"
    REGIONAL_COURT = "regional_court", "Regional human-rights court"
    REGIONAL_COMMISSION = "regional_commission", "Regional human-rights commission"
    PARLIAMENTARY_ASSEMBLY = "parliamentary_assembly", "Parliamentary assembly"
    COMPANY = "company", "Company"
    FOUNDATION = "foundation", "Foundation / NGO"
    MEDIA = "media", "Media"
    OTHER = "other", "Other"
