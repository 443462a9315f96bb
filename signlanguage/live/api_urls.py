"""Live-session JSON API (mounted under /api/v1/)."""

from __future__ import annotations

from django.urls import path

from signlanguage.live import api as live_api

urlpatterns = [
    path("sessions/<int:pk>/messages", live_api.session_messages, name="live-api-messages"),
]
