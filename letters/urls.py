from django.urls import path

from letters import views

app_name = "letters"

urlpatterns = [
    path("new/for-case/<int:case_pk>/", views.letter_create, name="create"),
    path("<int:pk>/", views.letter_detail, name="detail"),
    path("<int:pk>/preview/", views.letter_preview, name="preview"),
    path("preview/fonts.css", views.letter_preview_fonts, name="preview_fonts"),
    path("<int:pk>/versions/", views.letter_versions, name="versions"),
    path("<int:pk>/render/", views.letter_render, name="render"),
    path("<int:pk>/finalise/", views.letter_make_final, name="finalise"),
    path("versions/<int:pk>/download/", views.version_download, name="download"),
    path("signatories/<int:pk>/signature/", views.signature_image, name="signature"),
    path("replies/<int:pk>/file/", views.reply_file, name="reply_file"),
    path("signatories/<int:pk>/signed/", views.signatory_signed, name="signatory_signed"),
    path("signatories/<int:pk>/declined/", views.signatory_declined, name="signatory_declined"),
]
