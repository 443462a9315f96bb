"""The session engine: Django's database sessions, the cookie kept only while the browser is open.

`SESSION_ENGINE = "access_support.sessions"` with `SPEEDUPS=off`; with the speedups on,
`access_support.speedups.sessions`, the same store with the read that starts every request
compiled once.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def get_expire_at_browser_close(self) -> bool:
        """The cookie only carries the key, for as long as the browser is open; the stored expiry
        (the sliding idle clock, middleware.touch_session) alone decides when the session ends.
        A cookie whose Max-Age was the idle timeout would end, in the browser, a session whose
        clock was moved on without a response to carry a new cookie: one kept alive by a live
        session's websocket traffic (idle.keep_alive_from_socket, issue 22 item 5)."""
        return True
