"""manage.py expire_grants: store `expired` on grants past their end date (housekeeping; the
decision never depends on it having run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proxies.services import grants_expire_due


class Command(BaseCommand):
    help = "Marks grants past their end date, and invitations past 7 days, as expired."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = grants_expire_due()
        self.stdout.write(f"{changed} grant(s) expired.")
