"""The answers of a proxy registration in progress, kept in the database and bound to the user.

The idle timeout ends the session (30 minutes, 15 for operators); answers kept in the session
went with it, and question 4 sent a member back to an empty question 1 (WCAG 2.2.1, 3.3.7).
A draft outlives the session: after signing in again, registration resumes at the question the
person was on, with every earlier answer. It ends when the invitation is sent, or a day after
the last answer (ignored at once, deleted by `manage.py purge_expired`).

A draft is working data, like the session it replaces, so saving one writes no audit event; the
registration it leads to does (`proxy.grant_invited`), and the purge counts what it deleted in
its `retention.purged` event. Free text is stored with card numbers masked
(access_support/masking.py), so a number typed by mistake is never kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from access_support.accounts.models import User
from access_support.masking import mask_card_numbers
from proxies.models import RegistrationDraft

LIFETIME = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Draft:
    answers: dict[str, Any]
    step: str
    updated_at: datetime.datetime


def _cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - LIFETIME


def _masked(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        return mask_card_numbers(value)
    if isinstance(value, list):
        pairs = [_masked(item) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    return value, False


def draft_for(user: User) -> Draft | None:
    """The user's registration draft younger than a day, or None."""
    row = RegistrationDraft.objects.filter(user=user, updated_at__gte=_cutoff()).first()
    if row is None:
        return None
    return Draft(answers=dict(row.data or {}), step=row.step, updated_at=row.updated_at)


def draft_save(*, user: User, answers: dict[str, Any], step: str) -> bool:
    """Keep `answers` (all given so far) and the step to come back to. Returns whether a card
    number was masked (the writer is told)."""
    stored: dict[str, Any] = {}
    masked = False
    for name, value in answers.items():
        stored[name], hit = _masked(value)
        masked = masked or hit
    RegistrationDraft.objects.update_or_create(
        user=user, defaults={"data": stored, "step": step, "updated_at": timezone.now()}
    )
    return masked


def draft_discard(*, user: User) -> None:
    """The registration was sent: nothing of it stays."""
    RegistrationDraft.objects.filter(user=user).delete()


def drafts_purge_expired(*, now: datetime.datetime | None = None, dry_run: bool = False) -> int:
    """Delete drafts not touched for a day (`manage.py purge_expired`); returns how many."""
    expired = RegistrationDraft.objects.filter(updated_at__lt=_cutoff(now))
    if dry_run:
        return expired.count()
    return int(expired.delete()[0])
