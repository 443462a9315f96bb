"""The session store with its read compiled once (decision 0008).

Replaces: `SessionStore._get_session_from_db` of Django's database sessions (a private method),
which builds and compiles `Session.objects.get(session_key=…, expire_date__gt=now)` on every
request. Here the primary-key SELECT is compiled once (`prepared.ByPrimaryKey`) and the expiry
is checked on the row instead: an expired session is not loaded, exactly as before. The expiry
read is kept (`loaded_expiry`) so a websocket's session watch starts from it without reading the
row a second time (access_support/session_watch.py, which reads it itself when absent).
Writes, expiry and key rotation are Django's own. Bought: measured together with the other reads
of decision 0008 (its table: e.g. the embedded authorisation check 201 → 337 req/s), not apart.
`SESSION_ENGINE = "access_support.speedups.sessions"` (settings, when on).
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

from access_support.sessions import SessionStore as PlainSessionStore
from access_support.speedups.queries import by_primary_key


class SessionStore(PlainSessionStore):
    loaded_expiry: datetime.datetime | None = None

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        session = by_primary_key(Session).get(key) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        self.loaded_expiry = session.expire_date
        return session
