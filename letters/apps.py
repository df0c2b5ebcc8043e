from django.apps import AppConfig


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self) -> None:
        from casefiles.case_actions import register_case_action
        from casefiles.search import SearchSection, register_search_section
        from casefiles.timeline import register_timeline_provider
        from letters import checks  # noqa: F401  registers the font check
        from letters.api import api_register
        from letters.deletion import deletion_rules_register
        from letters.selectors import letters_found
        from letters.timeline import LETTER_KINDS, letter_entries

        register_timeline_provider(letter_entries, kinds=LETTER_KINDS)
        api_register()  # letters, versions with their PDF, replies at /api/
        deletion_rules_register()  # sent letters, final PDFs and cited sources are kept
        register_case_action(
            label="New letter", url_name="letters:create", permission="letters.add_letter"
        )
        register_search_section(
            SearchSection(
                title="Letters", find=letters_found, template="letters/_search_section.html"
            )
        )
