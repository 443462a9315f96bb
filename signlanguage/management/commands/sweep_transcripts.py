"""manage.py sweep_transcripts: delete the written conversations customers chose not to keep,
once the customer has downloaded them or 24 hours after the end (issue 22 item 7; run by cron
every minute, beside sweep_queue). Each deletion is one audit event; the session itself (times,
people, mode, outcome) stays."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from signlanguage.live import keeping


class Command(BaseCommand):
    help = (
        "Deletes the chat messages of ended sessions whose customer chose not to keep them "
        "(or TRANSCRIPT_KEPT_BY_DEFAULT=0 and no choice), once the customer has downloaded them "
        "or 24 hours after the end. A session ended for harassment keeps them until a "
        "supervisor has decided on it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = keeping.transcripts_sweep()
        self.stdout.write(
            f"Conversations deleted: downloaded: {result.downloaded}, "
            f"after 24 hours: {result.after_24_hours}."
        )
