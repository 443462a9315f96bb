from __future__ import annotations

from django.apps import AppConfig


class SignLanguageConfig(AppConfig):
    name = "signlanguage"
    verbose_name = "Sign-language and written-chat sessions"

    def ready(self) -> None:
        # Proxies sits below this app: it learns of our bookings through its listener hook.
        from proxies.services import on_grant_ended
        from signlanguage.services import bookings_made_by_proxy

        on_grant_ended(bookings_made_by_proxy)
