"""manage.py sweep_queue: close the talk-now requests that may wait no longer (run by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signlanguage.booking import services


class Command(BaseCommand):
    help = (
        "Closes talk-now requests still waiting after closing time or longer than "
        "QUEUE_MAX_WAIT_MINUTES; each customer's waiting page then offers a booking."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = services.queue_sweep()
        self.stdout.write(f"Closed {closed} talk-now request(s).")
