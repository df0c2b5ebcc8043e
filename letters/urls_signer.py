"""The public signer pages, under /sign/ (letters.views_signer): reached by a token alone."""

from django.urls import path

from letters import views_signer

urlpatterns = [
    path("<str:token>/", views_signer.signer_page, name="signer_page"),
    path("<str:token>/letter.pdf", views_signer.signer_pdf, name="signer_pdf"),
    path("<str:token>/sign/", views_signer.signer_sign_view, name="signer_sign"),
    path("<str:token>/decline/", views_signer.signer_decline_view, name="signer_decline"),
]
