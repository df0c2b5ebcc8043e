from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casefiles.views import dashboard
from people.views import deleted_records_view

admin.site.site_header = "Casefiles"
admin.site.site_title = "Casefiles"
admin.site.index_title = "Back office"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/deleted/", admin.site.admin_view(deleted_records_view), name="deleted_records"),
    path("admin/", admin.site.urls),
    path("letters/", include("letters.urls")),
    # Staff pages: "/" is the dashboard ("home" kept for links written before it existed).
    path("", dashboard, name="home"),
    path("", include("casefiles.urls_staff")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
