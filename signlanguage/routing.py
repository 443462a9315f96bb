"""Websocket routes of the booking half: the talk-now queue."""

from __future__ import annotations

from django.urls import path, re_path

from signlanguage import consumers
from signlanguage.session_consumer import SessionConsumer

websocket_urlpatterns = [
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    re_path(r"^ws/sessions/(?P<session_id>\d+)/$", SessionConsumer.as_asgi()),
]
