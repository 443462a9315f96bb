"""manage.py purge_expired: delete chat transcripts and feedback older than RETENTION_DAYS,
and proxy registrations left unfinished for a day (proxies/drafts.py).

Run daily (cron). The audit log is never purged: it is the record of what was done, and its
hash chain would break. One `retention.purged` audit event records what each run deleted.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils import timezone

from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from proxies import drafts
from signlanguage.models import ChatMessage, Feedback

BATCH = 1000


def _detach(model: Any, ids: list[int]) -> None:
    """Rows of other apps that point at these with a nullable PROTECT key (e.g. a supervisor's
    voice-of-the-customer item, which keeps its own copy of the words) let go of them first;
    otherwise one tagged comment would stop the purge for good."""
    for relation in model._meta.related_objects:
        if relation.on_delete is models.PROTECT and relation.field.null:
            name = relation.field.name
            relation.related_model._base_manager.filter(**{f"{name}__in": ids}).update(
                **{name: None}
            )


def _delete_older(model: Any, field: str, cutoff: datetime.datetime) -> int:
    """Delete in batches of primary keys, so a first run on a big table holds no long lock."""
    deleted = 0
    while True:
        ids = list(
            model.objects.filter(**{f"{field}__lt": cutoff})
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            _detach(model, ids)
            deleted += model.objects.filter(pk__in=ids).delete()[0]


class Command(BaseCommand):
    help = (
        "Deletes chat messages and feedback older than RETENTION_DAYS (default 365), and "
        "proxy registrations not finished within a day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = int(getattr(settings, "RETENTION_DAYS", 365))
        if days < 1:
            raise SystemExit("RETENTION_DAYS must be 1 or more")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        if options["dry_run"]:
            messages = ChatMessage.objects.filter(sent_at__lt=cutoff).count()
            feedback = Feedback.objects.filter(created_at__lt=cutoff).count()
            unfinished = drafts.drafts_purge_expired(dry_run=True)
            self.stdout.write(
                f"would delete {messages} chat messages and {feedback} feedback entries "
                f"older than {cutoff.isoformat()} ({days} days), "
                f"and {unfinished} unfinished proxy registrations"
            )
            return
        messages = _delete_older(ChatMessage, "sent_at", cutoff)
        feedback = _delete_older(Feedback, "created_at", cutoff)
        unfinished = drafts.drafts_purge_expired()
        with transaction.atomic():
            audit.record(
                action=AuditAction.RETENTION_PURGED,
                object_type="retention",
                reason=f"older than {days} days",
                after={
                    "chat_messages": messages,
                    "feedback": feedback,
                    "registration_drafts": unfinished,
                    "cutoff": cutoff.isoformat(),
                    "retention_days": days,
                },
            )
        self.stdout.write(
            f"deleted {messages} chat messages and {feedback} feedback entries "
            f"older than {cutoff.isoformat()} ({days} days), "
            f"and {unfinished} unfinished proxy registrations"
        )
