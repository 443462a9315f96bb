from __future__ import annotations

from django.apps import AppConfig


class SignLanguageConfig(AppConfig):
    name = "signlanguage"
    verbose_name = "Sign-language and written-chat sessions"

    def ready(self) -> None:
        from access_support import extensions
        from proxies.services import on_grant_ended
        from signlanguage import demo, routing
        from signlanguage.booking.services import bookings_made_by_proxy

        # The core names no app: it learns of our websocket routes and demo data here.
        extensions.register_websocket_routes(routing.websocket_urlpatterns)
        extensions.register_demo(demo.seed)
        # Proxies sits below this app: it learns of our bookings through its listener hook.
        on_grant_ended(bookings_made_by_proxy)
        # The notification centre (core) learns of our notices' wording here.
        from access_support.notifications import services as notifications
        from signlanguage.booking import notices

        notifications.register(notices.kinds())
