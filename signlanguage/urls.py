"""The app's pages, mounted at /sessions/: the booking half (signlanguage/booking/urls.py) and
the live half (signlanguage/live/urls.py) in one URL namespace."""

from __future__ import annotations

from signlanguage.booking import urls as booking_urls
from signlanguage.live import urls as live_urls

app_name = "signlanguage"
urlpatterns = booking_urls.urlpatterns + live_urls.urlpatterns
