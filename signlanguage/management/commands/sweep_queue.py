"""manage.py sweep_queue: close the talk-now requests that may wait no longer, and end the live
sessions whose people have gone for longer than the hold (run by cron, every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signlanguage.booking import services
from signlanguage.live import presence


class Command(BaseCommand):
    help = (
        "Closes talk-now requests still waiting after closing time or longer than "
        "QUEUE_MAX_WAIT_MINUTES, and those whose customer left the waiting page more than "
        "LIVE_HOLD_MINUTES ago; each customer's waiting page then offers a booking. Ends live "
        "sessions whose customer has been gone longer than LIVE_HOLD_MINUTES (customer left) "
        "or whose customer and operator have both been gone LIVE_ABANDONED_MINUTES (abandoned)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = services.queue_sweep()
        self.stdout.write(f"Closed {closed} talk-now request(s).")
        left = presence.sweep_queue_left()
        self.stdout.write(f"Requests whose customer left the waiting page: {left} closed.")
        ended = presence.sweep_sessions()
        self.stdout.write(
            f"Sessions ended: customer left: {ended['customer_left']}, "
            f"abandoned: {ended['abandoned']}."
        )
