"""Static backup codes, stored hashed (django-otp's static plugin keeps them in clear text)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import models
from django_otp.models import Device, ThrottlingMixin

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
CODE_LENGTH = 10


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_salt() -> str:
    return secrets.token_hex(16)


class BackupCodeDevice(ThrottlingMixin, Device):  # type: ignore[misc]
    salt = models.CharField(max_length=32, default=new_salt)

    class Meta:
        verbose_name = "backup code device"

    def hash_code(self, code: str) -> str:
        return hashlib.sha256(f"{self.salt}:{normalise(code)}".encode()).hexdigest()

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed or not isinstance(token, str):
            return False
        digest = self.hash_code(token)
        match = None
        for stored in self.codes.all():
            if hmac.compare_digest(stored.code_hash, digest):
                match = stored
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
