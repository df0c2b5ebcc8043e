from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casefiles.views import admin_shortcut, dashboard

admin.site.site_header = "Casefiles"
admin.site.site_title = "Casefiles"
admin.site.index_title = "Back office"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Before the admin's own: its "view on site" shortcut would confirm that a hidden
    # record exists; this one answers 404 for it, as for a missing one.
    path(
        "admin/r/<int:content_type_id>/<str:object_id>/",
        admin.site.admin_view(admin_shortcut),
        name="admin_shortcut",
    ),
    path("admin/", admin.site.urls),
    path("letters/", include("letters.urls")),
    # Staff pages: "/" is the dashboard ("home" kept for links written before it existed).
    path("", dashboard, name="home"),
    path("", include("casefiles.urls_staff")),
]
# MEDIA_ROOT is never served, in debug or not: files leave only through the checked
# downloads of casefiles/downloads.py.
