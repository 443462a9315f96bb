from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "access_support.notifications"
    label = "notifications"
    verbose_name = "Notices"

    def ready(self) -> None:
        from django.urls import path

        from access_support import extensions
        from access_support.notifications.consumers import NoticesConsumer

        extensions.register_websocket_routes([path("ws/notices/", NoticesConsumer.as_asgi())])
