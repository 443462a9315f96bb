"""The password backend: Django's ModelBackend, with the per-request user read prepared.

`get_user` runs on every signed-in request (and websocket connect); it is the same
`User.objects.get(pk=…)` plus `user_can_authenticate`, with the SELECT compiled once
(access_support/prepared.py). Passwords, permissions and `is_active` are ModelBackend's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from access_support.accounts.models import User
from access_support.prepared import by_primary_key

PATH = "access_support.accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = by_primary_key(User).get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
