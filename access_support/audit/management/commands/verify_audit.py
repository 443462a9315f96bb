"""manage.py verify_audit: check the audit hash chain; exit 1 naming the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from access_support.audit.services import verify_chain


class Command(BaseCommand):
    help = "Checks the audit log's hash chain. Exits 1 and names the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"audit chain OK: {result.checked} events")
            return
        self.stderr.write(
            f"audit chain BROKEN at seq {result.broken_seq}: {result.problem} "
            f"({result.checked} events verified before it)"
        )
        raise SystemExit(1)
