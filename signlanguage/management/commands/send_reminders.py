"""manage.py send_reminders: the day-before and 15-minute reminders due now (run by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signlanguage.booking import services


class Command(BaseCommand):
    help = "Sends the booking reminders that are due now; each reminder is sent once."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.reminders_send()
        self.stdout.write(
            f"Sent {sent['day_before']} day-before and {sent['soon']} 15-minute reminders."
        )
