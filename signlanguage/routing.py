"""The app's websocket routes: the talk-now queue (booking half) and a live session (live half)."""

from __future__ import annotations

from django.urls import path, re_path

from signlanguage.booking import consumers
from signlanguage.live.consumer import SessionConsumer

websocket_urlpatterns = [
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    re_path(r"^ws/sessions/(?P<session_id>\d+)/$", SessionConsumer.as_asgi()),
]
