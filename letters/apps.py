from django.apps import AppConfig


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self) -> None:
        from casefiles.timeline import register_timeline_provider
        from letters import checks  # noqa: F401  registers the font check
        from letters.timeline import LETTER_KINDS, letter_entries

        register_timeline_provider(letter_entries, kinds=LETTER_KINDS)
