from django.urls import path

from letters import (
    views,
    views_cases,
    views_cite,
    views_editor,
    views_invitations,
    views_revisions,
    views_sending,
    views_templates,
)

app_name = "letters"

urlpatterns = [
    path("", views.letter_list, name="list"),
    # Letter templates in the template language (views_templates).
    path("templates/", views_templates.template_list, name="template_list"),
    path("templates/new/", views_templates.template_new, name="template_new"),
    path("templates/<int:pk>/", views_templates.template_edit, name="template_edit"),
    path("templates/<int:pk>/preview/", views_templates.template_preview, name="template_preview"),
    path("new/for-case/<int:case_pk>/", views.letter_create, name="create"),
    path("<int:pk>/", views.letter_detail, name="detail"),
    path("<int:pk>/preview/", views.letter_preview, name="preview"),
    path("preview/fonts.css", views.letter_preview_fonts, name="preview_fonts"),
    path("<int:pk>/versions/", views.letter_versions, name="versions"),
    path("<int:pk>/render/", views.letter_render, name="render"),
    path("<int:pk>/finalise/", views.letter_make_final, name="finalise"),
    # The text and its revisions (views_revisions).
    path("<int:pk>/edit/", views_revisions.letter_edit, name="edit"),
    path(
        "<int:pk>/send-for-signature/",
        views_revisions.letter_send_for_signature_view,
        name="send_for_signature",
    ),
    # Invitations to sign through a personal link (views_invitations; the signer's own
    # pages are letters.urls_signer).
    path("<int:pk>/invite/", views_invitations.letter_invite, name="invite"),
    path(
        "invitations/<int:pk>/revoke/",
        views_invitations.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "<int:pk>/signature-rules/",
        views_invitations.letter_signature_rules,
        name="signature_rules",
    ),
    path(
        "<int:pk>/signatures.json",
        views_invitations.letter_signature_states,
        name="signature_states",
    ),
    # Sending the final letter and logging replies (views_sending).
    path("<int:pk>/send/", views_sending.letter_send_view, name="send"),
    path("<int:pk>/send/retry/", views_sending.deliveries_retry_view, name="send_retry"),
    path("<int:pk>/replies/add/", views_sending.reply_log_view, name="reply_add"),
    # The cases a letter concerns (views_cases).
    path("<int:pk>/cases/add/", views_cases.letter_case_add_view, name="case_add"),
    path(
        "<int:pk>/cases/<int:case_pk>/remove/",
        views_cases.letter_case_remove_view,
        name="case_remove",
    ),
    path("versions/<int:pk>/download/", views.version_download, name="download"),
    path("<int:pk>/docx/", views.letter_docx, name="docx"),
    path("letterhead/<int:pk>/logo/", views.letterhead_logo, name="letterhead_logo"),
    path("signatories/<int:pk>/signature/", views.signature_image, name="signature"),
    path("replies/<int:pk>/file/", views.reply_file, name="reply_file"),
    path("signatories/<int:pk>/signed/", views.signatory_signed, name="signatory_signed"),
    path("signatories/<int:pk>/declined/", views.signatory_declined, name="signatory_declined"),
    # The letter page as the editor of its recipients and signatories (views_editor).
    path("<int:pk>/picker/", views_editor.picker, name="picker"),
    path("<int:pk>/recipients/add/", views_editor.recipient_add_view, name="recipient_add"),
    path("<int:pk>/recipients/new/", views_editor.recipient_new, name="recipient_new"),
    path("recipients/<int:pk>/edit/", views_editor.recipient_edit, name="recipient_edit"),
    path("recipients/<int:pk>/move/", views_editor.recipient_move_view, name="recipient_move"),
    path(
        "recipients/<int:pk>/remove/", views_editor.recipient_remove_view, name="recipient_remove"
    ),
    path("<int:pk>/signatories/add/", views_editor.signatory_add_view, name="signatory_add"),
    path("signatories/<int:pk>/edit/", views_editor.signatory_edit, name="signatory_edit"),
    path("signatories/<int:pk>/move/", views_editor.signatory_move_view, name="signatory_move"),
    path(
        "signatories/<int:pk>/remove/",
        views_editor.signatory_remove_view,
        name="signatory_remove",
    ),
    # Citing by picking, the editor's preview and comparing revisions (views_cite).
    path("<int:pk>/cite/", views_cite.cite_search, name="cite_search"),
    path("<int:pk>/cite/add/", views_cite.cite_append, name="cite_append"),
    path("<int:pk>/fact/", views_cite.fact_insert, name="fact_insert"),
    path("<int:pk>/preview/draft/", views_cite.preview_draft, name="preview_draft"),
    path("revisions/<int:pk>/compare/", views_cite.revision_compare, name="revision_compare"),
]
