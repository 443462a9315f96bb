"""The reading of a person's name (フリガナ, as a bank keeps it): put over the name wherever it is
shown with furigana on (access_support.accounts.reading.note_name, docs/decisions/0005)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from access_support.accounts.models import User, name_reading_validator
from access_support.accounts.services import user_change_fields
from access_support.audit.actions import AuditAction


def clean_name_reading(value: str) -> str:
    """A reading as stored: runs of spaces made one, kana only (ValidationError otherwise)."""
    cleaned = " ".join(value.split())
    name_reading_validator(cleaned)
    return cleaned


@transaction.atomic
def user_set_name_reading(*, user: User, name_reading: str, actor: Any) -> User:
    """Store how the user's name is read: kana only (ValidationError otherwise), "" for none.
    Audited as a change of the user's reading settings."""
    return user_change_fields(
        user=user,
        action=AuditAction.USER_READING_CHANGED,
        actor=actor,
        name_reading=clean_name_reading(name_reading),
    )
