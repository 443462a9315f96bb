"""Top-level URL map."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from access_support import views
from access_support.accounts.views import admin_logout_view

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The public help page (hours, lost card, emergencies): signlanguage/booking/help_views.py.
    path("help/", include("signlanguage.booking.help_urls")),
    path("i18n/language", views.switch_language, name="set-language"),
    path("i18n/reading", views.switch_reading, name="set-reading"),
    path("accounts/", include("access_support.accounts.urls")),
    path("notices/", include("access_support.notifications.urls")),
    path("api/v1/", include("access_support.accounts.api_urls")),
    path("proxies/", include("proxies.urls")),
    path("api/v1/", include("proxies.api_urls")),
    path("sessions/", include("signlanguage.urls")),
    path("api/v1/", include("signlanguage.api_urls")),
    path("supervision/", include("supervision.urls")),
    # Before the admin's URLs: signing out of the admin is the project's sign-out (audited,
    # websockets closed), not only the end of the session.
    path("admin/logout/", admin_logout_view, name="admin-logout"),
    path("admin/", admin.site.urls),
]

# JSON clients get `{"error": code}` from these too, not an HTML page (access_support/errors.py).
handler400 = "access_support.errors.bad_request"
handler403 = "access_support.errors.permission_denied"
handler404 = "access_support.errors.page_not_found"
handler500 = "access_support.errors.server_error"
