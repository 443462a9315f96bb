"""The app's API v1 routes, mounted at /api/v1/: the booking half
(signlanguage/booking/api_urls.py) and the live half (signlanguage/live/api_urls.py)."""

from __future__ import annotations

from signlanguage.booking import api_urls as booking_api_urls
from signlanguage.live import api_urls as live_api_urls

app_name = "signlanguage-api"
urlpatterns = booking_api_urls.urlpatterns + live_api_urls.urlpatterns
