"""The session engine: Django's database sessions, read with a prepared primary-key SELECT.

`SESSION_ENGINE = "access_support.sessions"`. Writes, expiry and key rotation are Django's own;
only the read that starts every request is cheaper to issue (access_support/prepared.py). The
expiry check that Django's SELECT does in SQL (`expire_date > now`) is done on the row instead:
an expired session is not loaded, exactly as before.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from access_support.prepared import by_primary_key


class SessionStore(DatabaseSessionStore):
    # The stored expiry of the row last loaded: a websocket's session watch starts from it
    # without reading the row a second time (access_support/session_watch.py).
    loaded_expiry: datetime.datetime | None = None

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        session = by_primary_key(Session).get(key) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        self.loaded_expiry = session.expire_date
        return session

    def get_expire_at_browser_close(self) -> bool:
        """The cookie only carries the key, for as long as the browser is open; the stored expiry
        (the sliding idle clock, middleware.touch_session) alone decides when the session ends.
        A cookie whose Max-Age was the idle timeout would end, in the browser, a session whose
        clock was moved on without a response to carry a new cookie: one kept alive by a live
        session's websocket traffic (idle.keep_alive_from_socket, issue 22 item 5)."""
        return True
