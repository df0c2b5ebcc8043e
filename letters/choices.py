from django.db import models


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COLLECTING = "collecting", "Collecting signatures"
    FINAL = "final", "Final"
    SENT = "sent", "Sent"


class RecipientKind(models.TextChoices):
    ADDRESSEE = "to", "Addressee"
    CC = "cc", "Copy (cc)"


class SigningStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    SIGNED = "signed", "Signed"
    # Signed a revision whose text was edited afterwards: shown, but it does not count and
    # the signatory is asked again (letters.services_revisions).
    EARLIER = "earlier", "Signed an earlier text"
    DECLINED = "declined", "Declined"


class SignedVia(models.TextChoices):
    SCANNED = "scanned", "Scanned signature"
    EMAIL = "email", "Email confirmation"
    IN_PERSON = "in_person", "In person"
    # Given by the signatory (or their office) on their personal link (letters.invitations).
    LINK = "link", "Through their personal link"


class SignatoryEventKind(models.TextChoices):
    INVITED = "invited", "Invited"
    EMAIL_SENT = "email_sent", "Email sent"
    EMAIL_FAILED = "email_failed", "Email failed"
    OPENED = "opened", "Link opened"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"
    REMINDED = "reminded", "Reminded"
    REVOKED = "revoked", "Link revoked"
    REFUSED = "refused", "Link refused"


class RenderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class LetterheadChoice(models.TextChoices):
    NONE = "none", "None"
    ORGANISATION = "organisation", "The organisation's letterhead"


class DeliveryKind(models.TextChoices):
    ADDRESSEE = "to", "Addressee"
    CC = "cc", "Copy (cc)"
    SIGNATORY = "signatory", "Signatory's copy"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
