"""manage.py add_shift --operator U --start ISO --end ISO (README, Management commands)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from access_support.accounts.models import User
from signlanguage.booking import services
from signlanguage.booking.availability import JST


def _moment(value: str) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not an ISO 8601 date-time: {value!r}") from exc
    # A time without an offset is Japan time, like everything the service shows.
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=JST)


class Command(BaseCommand):
    help = "Adds a shift for an operator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operator", required=True, help="operator username")
        parser.add_argument("--start", required=True, help="ISO 8601, e.g. 2026-12-03T09:00+09:00")
        parser.add_argument("--end", required=True, help="ISO 8601, e.g. 2026-12-03T18:00+09:00")

    def handle(self, *args: Any, **options: Any) -> None:
        operator = User.objects.filter(username=options["operator"], is_operator=True).first()
        if operator is None:
            raise CommandError(f"no operator named {options['operator']!r}")
        try:
            shift = services.shift_add(
                operator=operator,
                start=_moment(options["start"]),
                end=_moment(options["end"]),
                actor=None,
            )
        except services.BookingError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"Shift {shift.pk}: {operator.username} "
            f"{shift.start.astimezone(JST).isoformat()} – {shift.end.astimezone(JST).isoformat()}"
        )
