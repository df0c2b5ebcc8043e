from django.apps import AppConfig


class CasefilesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "casefiles"
    verbose_name = "Case files"

    def ready(self) -> None:
        from casefiles import signals  # noqa: F401  (keeps search keys up to date on write)
        from casefiles.visibility import register

        register()
        from casefiles.models import EventParticipant
        from people.deletion import deletion_part_register

        deletion_part_register(EventParticipant, owner_field="event")
