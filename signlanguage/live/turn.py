"""TURN credentials for a sign-language session (issue 22 item 2, docs/operations.md: coturn).

coturn's shared-secret scheme (its REST API: `use-auth-secret` with `static-auth-secret`):
the username is `<expiry unix time>:<who>` and the password is
base64(HMAC-SHA1(secret, username)); coturn recomputes it with the same secret and refuses a
username whose time has passed. Nothing is stored and no password is static: each participant
of a session gets its own, ending with the session (its booked end plus a margin; for a talk-now
session, or one running past its end, `TURN_CREDENTIAL_SECONDS` from now, renewed by the page
through the socket). A session that has ended gets none.

They reach the browser only through the session's websocket (`rtc.ice_servers`), which is open
to the session's participants alone; the page itself carries `ICE_SERVERS` (STUN, no secrets).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from signlanguage.live import policies as live_policies
from signlanguage.models import Session


@dataclass(frozen=True)
class TurnCredential:
    urls: list[str]
    username: str
    credential: str
    expires: int  # Unix time, as in the username

    def ice_server(self) -> dict[str, Any]:
        """The RTCIceServer a browser takes."""
        return {"urls": list(self.urls), "username": self.username, "credential": self.credential}


def configured() -> bool:
    return bool(settings.TURN_URLS and settings.TURN_SECRET)


def password(secret: str, username: str) -> str:
    """coturn's password for `username`: base64 of HMAC-SHA1 keyed with the shared secret."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def expiry(session: Any, now: datetime.datetime) -> int:
    """When a credential handed out at `now` for `session` stops working (Unix time): the
    session's booked end plus the margin; without an end ahead (talk-now, or overrunning),
    TURN_CREDENTIAL_SECONDS from now plus the margin."""
    margin = datetime.timedelta(seconds=settings.TURN_CREDENTIAL_MARGIN_SECONDS)
    end = getattr(session, "end", None)
    if end is None or end <= now:
        end = now + datetime.timedelta(seconds=settings.TURN_CREDENTIAL_SECONDS)
    return int((end + margin).timestamp())


def credential_for(session: Any, user: Any, now: datetime.datetime) -> TurnCredential | None:
    """The TURN credential of `user` for `session` at `now`; None when no TURN is configured,
    the session is not a sign-language one, or it has ended (closed or cancelled)."""
    if not configured() or session.mode != "sign_language" or live_policies.is_closed(session):
        return None
    expires = expiry(session, now)
    # Who, for coturn's log: the session and the user, by number (no name, no e-mail).
    username = f"{expires}:s{session.pk}u{user.pk}"
    return TurnCredential(
        urls=list(settings.TURN_URLS),
        username=username,
        credential=password(settings.TURN_SECRET, username),
        expires=expires,
    )


def ice_frame(session: Any, user: Any, now: datetime.datetime) -> dict[str, Any] | None:
    """The `rtc.ice_servers` frame for `user` in `session` (docs/websocket.md), or None when
    there is nothing to add to the page's ICE_SERVERS (no TURN, or the session has ended)."""
    turn = credential_for(session, user, now)
    if turn is None:
        return None
    expires_at = datetime.datetime.fromtimestamp(turn.expires, tz=datetime.UTC)
    return {
        "type": "rtc.ice_servers",
        "ice_servers": [*settings.ICE_SERVERS, turn.ice_server()],
        "expires_at": expires_at.isoformat(),
    }


def session_of(session_id: int) -> Session | None:
    """The session as stored now (its state may have changed since the socket connected)."""
    return Session.objects.filter(pk=session_id).first()
