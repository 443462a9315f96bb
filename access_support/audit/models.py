"""The audit log: append-only events, each carrying the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_user", "seq"], name="audit_subject_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def payload(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "subject_user": self.subject_user_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
        }

    def compute_hash(self) -> str:
        """sha256 of `prev_hash` and the row's JSON body (`payload`: sorted keys, no spaces,
        UTF-8), hex — computed from the same pieces, by the same rule, as PostgreSQL's
        `audit_append` computes it (`chain_hash`, decision 0016)."""
        head, tail = self.hash_parts()
        return chain_hash(self.prev_hash, head, self.seq, tail)

    def hash_parts(self) -> tuple[str, str]:
        """The hashed body in two pieces around the sequence number, for a database that numbers
        the row itself (PostgreSQL's `audit_append`, decision 0011): for every `seq`,
        `head + str(seq) + tail` is the row's JSON body, `_body(payload())` (the Hypothesis test
        in tests/audit/test_chain.py holds this). Keys are sorted, so "seq" is followed only by
        "subject_user"."""
        payload = self.payload()
        del payload["seq"]
        subject_user = payload.pop("subject_user")
        head = _body(payload)[:-1] + ',"seq":'
        return head, ',"subject_user":' + _body(subject_user) + "}"


def chain_hash(prev_hash: str, head: str, seq: int, tail: str) -> str:
    """A row's hash: the one rule, which PostgreSQL's `audit_append` (migration audit/0003)
    repeats as `encode(sha256(convert_to(prev_hash || head || seq::text || tail, 'UTF8')),
    'hex')` — it is there only because the link and the number are known only under the chain's
    lock, inside that statement; tests/audit/test_chain.py checks the two agree (decision 0016)."""
    return hashlib.sha256(f"{prev_hash}{head}{seq}{tail}".encode()).hexdigest()


def _body(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


GENESIS_HASH = "0" * 64
