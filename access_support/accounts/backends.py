"""The password backend: Django's ModelBackend, with the per-request user read through
`access_support.speedups.queries`.

`get_user` runs on every signed-in request (and websocket connect); it is the same
`User.objects.get(pk=…)` plus `user_can_authenticate`, with the SELECT compiled once when the
speedups are on. Then the row usually arrives already over HTTP, joined to the session's
second-factor device (`speedups.otp.DeviceMiddleware`, `known_user`): it is used only if it is
the user the session names. Passwords, permissions and `is_active` are ModelBackend's
own.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from access_support.accounts.models import User
from access_support.speedups.queries import by_primary_key

PATH = "access_support.accounts.backends.UserBackend"

# A user row the request has read already (with the session's device), for `get_user`.
known_user: ContextVar[User | None] = ContextVar("known_user", default=None)


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = known_user.get()
        if user is None or not _is(user, user_id):
            user = by_primary_key(User).get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _is(user: User, user_id: Any) -> bool:
    try:
        return bool(user.pk == User._meta.pk.to_python(user_id))
    except ValidationError:
        return False
