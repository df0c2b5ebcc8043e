"""The public check of a letter's authenticity, at /verify/ (letters.views_verify)."""

from django.urls import path

from letters import views_verify

urlpatterns = [path("", views_verify.verify_page, name="letter_verify")]
