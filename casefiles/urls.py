from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from casefiles.twofactor import second_factor_not_required
from casefiles.twofactor_views import two_factor_qr, two_factor_setup, two_factor_verify
from casefiles.views import admin_shortcut, dashboard
from people.views import deleted_records_view

admin.site.site_header = "Casefiles"
admin.site.site_title = "Casefiles"
admin.site.index_title = "Back office"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "accounts/logout/",
        second_factor_not_required(auth_views.LogoutView.as_view()),
        name="logout",
    ),
    path("accounts/two-factor/", two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/setup/qr.svg", two_factor_qr, name="two_factor_qr"),
    # One way in: the back office's own login form would skip the lockout page and the
    # second factor's redirect, so it sends to ours (keeping ?next=).
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_login_redirect",
    ),
    # Before the admin's own: its "view on site" shortcut would confirm that a hidden
    # record exists; this one answers 404 for it, as for a missing one.
    path(
        "admin/r/<int:content_type_id>/<str:object_id>/",
        admin.site.admin_view(admin_shortcut),
        name="admin_shortcut",
    ),
    path("admin/deleted/", admin.site.admin_view(deleted_records_view), name="deleted_records"),
    path("admin/", admin.site.urls),
    path("letters/", include("letters.urls")),
    path("api/", include("casefiles.api.urls")),
    # Signatories' personal links: no account, authenticated by the token (letters.views_signer).
    path("sign/", include("letters.urls_signer")),
    path("verify/", include("letters.urls_verify")),  # public: is this letter ours?
    # Staff pages: "/" is the dashboard ("home" kept for links written before it existed).
    path("", dashboard, name="home"),
    path("", include("casefiles.urls_staff")),
]
# MEDIA_ROOT is never served, in debug or not: files leave only through the checked
# downloads of casefiles/downloads.py.
