"""The supervisor's console: home, service-hours exceptions, reports, voice of the customer."""

from __future__ import annotations

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        # proxies may not import signlanguage (decision 0015), yet a lost-card report's page
        # says when staff next look at it: the top layer hands proxies signlanguage's clock.
        import importlib

        from proxies import hours

        for name in ("signlanguage.booking.availability", "signlanguage.availability"):
            try:
                availability = importlib.import_module(name)
            except ImportError:
                continue
            hours.register(
                hours.Clock(
                    is_open_at=availability.is_open_at, next_opening=availability.next_opening
                )
            )
            break
