from django.apps import AppConfig


class LettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "letters"

    def ready(self) -> None:
        from casefiles.case_actions import register_case_action
        from casefiles.exchange import case_part_register
        from casefiles.search import SearchSection, register_search_section
        from casefiles.timeline import register_timeline_provider
        from letters import checks  # noqa: F401  registers the font check
        from letters.api import api_register
        from letters.deletion import deletion_rules_register
        from letters.selectors import letters_found
        from letters.timeline import LETTER_KINDS, letter_entries

        register_timeline_provider(letter_entries, kinds=LETTER_KINDS)
        from casefiles.dashboard_alerts import register_dashboard_alert
        from letters.invitations import signature_answers
        from letters.sending import letters_with_failed_deliveries

        register_dashboard_alert(letters_with_failed_deliveries)
        register_dashboard_alert(signature_answers)  # signed or declined: make it final?
        api_register()  # letters, versions with their PDF, replies at /api/
        deletion_rules_register()  # sent letters, final PDFs and cited sources are kept
        register_case_action(
            label="New letter", url_name="letters:create", permission="letters.add_letter"
        )
        from casefiles.case_actions import register_case_card
        from letters.case_card import case_letters_card

        register_case_card(template="letters/_case_letters_card.html", context=case_letters_card)
        from letters.models import (
            Letter,
            LetterCase,
            LetterRecipient,
            LetterRevision,
            LetterSignatory,
            LetterVersion,
            Reply,
        )
        from letters.models_invitations import SignatoryEvent, SignatureInvitation
        from letters.models_sending import Delivery

        # A case's zip (staff:case_export) holds its letters, and their PDFs, with how each
        # was signed (invitations and every step) and sent (deliveries), and the other
        # cases each is about.
        case_part_register(Letter, case_path="case")
        for part in (LetterCase, LetterRevision, LetterRecipient, LetterSignatory, Reply, Delivery):
            case_part_register(part, case_path="letter__case")
        for step in (SignatureInvitation, SignatoryEvent):
            case_part_register(step, case_path="signatory__letter__case")
        case_part_register(LetterVersion, case_path="letter__case", files=True)
        register_search_section(
            SearchSection(
                title="Letters", find=letters_found, template="letters/_search_section.html"
            )
        )
