"""The supervisor's console: home, service-hours exceptions, reports, voice of the customer."""

from __future__ import annotations

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "Supervision"
