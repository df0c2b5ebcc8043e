from django.db import models


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


class PartyRole(models.TextChoices):
    POLITICAL_PRISONER = "political_prisoner", "Political prisoner"
    DEFENDANT = "defendant", "Defendant"
    TARGETED_RELATIVE = "targeted_relative", "Targeted relative"
    TARGETED_ASSOCIATE = "targeted_associate", "Targeted associate"
    ACTIVIST = "activist", "Activist"
    WITNESS = "witness", "Witness"
    LAWYER = "lawyer", "Lawyer"
    AUTHORITY = "authority", "Authority"
    INVESTIGATOR = "investigator", "Investigator"
    PROSECUTOR = "prosecutor", "Prosecutor"
    JUDGE = "judge", "Judge"
    EMPLOYER = "employer", "Employer / company"
    SUPPORTER = "supporter", "Supporter"
    OTHER = "other", "Other"


class ChargeStatus(models.TextChoices):
    UNDER_INVESTIGATION = "investigation", "Under investigation"
    CHARGED = "charged", "Charged"
    ACQUITTED = "acquitted", "Acquitted"
    CONVICTED = "convicted", "Convicted"
    DROPPED = "dropped", "Dropped"


DECIDED_CHARGE_STATUSES = (ChargeStatus.ACQUITTED, ChargeStatus.CONVICTED, ChargeStatus.DROPPED)


class SentenceKind(models.TextChoices):
    IMPRISONMENT = "imprisonment", "Imprisonment"
    PROBATION = "probation", "Probation"
    RESTRICTED_FREEDOM = "restricted_freedom", "Restricted freedom"
    FINE = "fine", "Fine"
    COMMUNITY_SERVICE = "community_service", "Community service"
    OTHER = "other", "Other"


class SentenceStepKind(models.TextChoices):
    IMPOSED = "imposed", "Imposed"
    INCREASED = "increased", "Increased"
    REDUCED = "reduced", "Reduced"
    OVERTURNED = "overturned", "Overturned"
    SERVED = "served", "Served"


# Steps that carry a length: the sentence itself, or the change to it.
SENTENCE_STEPS_WITH_LENGTH = (
    SentenceStepKind.IMPOSED,
    SentenceStepKind.INCREASED,
    SentenceStepKind.REDUCED,
)


class DetentionMeasure(models.TextChoices):
    ARREST = "arrest", "Arrest"
    PRETRIAL_DETENTION = "pretrial", "Pretrial detention"
    HOUSE_ARREST = "house_arrest", "House arrest"
    ADMINISTRATIVE_ARREST = "administrative", "Administrative arrest"
    IMPRISONMENT = "imprisonment", "Imprisonment"
    PROBATION = "probation", "Probation / restricted freedom"
    PSYCHIATRIC = "psychiatric", "Forced psychiatric placement"
    OTHER = "other", "Other"


# Measures that hold a person in custody, for "detained now" and days in custody.
CUSTODIAL_MEASURES = (
    DetentionMeasure.ARREST,
    DetentionMeasure.PRETRIAL_DETENTION,
    DetentionMeasure.HOUSE_ARREST,
    DetentionMeasure.ADMINISTRATIVE_ARREST,
    DetentionMeasure.IMPRISONMENT,
    DetentionMeasure.PSYCHIATRIC,
)


class TermUnit(models.TextChoices):
    DAYS = "days", "days"
    MONTHS = "months", "months"
    YEARS = "years", "years"


class HearingKind(models.TextChoices):
    DETENTION = "detention", "Detention (measure of restraint)"
    EXTENSION = "extension", "Extension of detention"
    PRELIMINARY = "preliminary", "Preliminary"
    TRIAL = "trial", "Trial"
    VERDICT = "verdict", "Verdict / sentencing"
    APPEAL = "appeal", "Appeal"
    CASSATION = "cassation", "Cassation"
    PAROLE = "parole", "Parole"
    OTHER = "other", "Other"


class EventKind(models.TextChoices):
    SEARCH = "search", "Search"
    INTERROGATION = "interrogation", "Interrogation"
    ARREST = "arrest", "Arrest"
    RELEASE = "release", "Release"
    VERDICT = "verdict", "Verdict"
    RESOLUTION = "resolution", "Resolution"
    UN_OPINION = "un_opinion", "UN opinion"
    COURT_JUDGMENT = "court_judgment", "International court judgment"
    PARLIAMENT_RESOLUTION = "parliament_resolution", "Parliamentary resolution"
    ELECTION = "election", "Election"
    STATEMENT = "statement", "Statement"
    ILL_TREATMENT = "ill_treatment", "Ill-treatment"
    HARASSMENT = "harassment", "Harassment / pressure"
    ADVOCACY = "advocacy", "Advocacy"
    OTHER = "other", "Other"


# Decisions of international bodies: the timeline shows each as a kind of its own, so
# staff can pick out what the UN, a regional court or a parliament said about a case.
INTERNATIONAL_EVENT_KINDS = (
    EventKind.UN_OPINION,
    EventKind.COURT_JUDGMENT,
    EventKind.PARLIAMENT_RESOLUTION,
)


class ParticipantRole(models.TextChoices):
    TARGET = "target", "Target"
    PERPETRATOR = "perpetrator", "Perpetrator / acting authority"
    WITNESS = "witness", "Witness"
    AUTHOR = "author", "Author"
    PARTICIPANT = "participant", "Participant"
