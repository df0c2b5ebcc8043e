from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "casefiles"
    verbose_name = "Case files"

    def ready(self) -> None:
        from casefiles import signals  # noqa: F401  (keeps search keys up to date on write)
        from casefiles.visibility import register

        register()
        from casefiles.models import CaseParty, EventParticipant, party_removal_refusal
        from people.deletion import deletion_part_register, deletion_rule_register

        deletion_part_register(EventParticipant, owner_field="event")
        # A party leaves its case only once the case records nothing more about them.
        deletion_rule_register(CaseParty, party_removal_refusal)
