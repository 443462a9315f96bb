"""Django's SQLite backend, with the SQL of each statement converted to SQLite's ``?`` style
once instead of on every execution (decision 0009).

Replaces: `django.db.backends.sqlite3` (stock, used with `SPEEDUPS=off`), using its module-level
`FORMAT_QMARK_REGEX` and overriding its cursor wrapper's `convert_query`.

Django writes SQL with ``%s`` placeholders; its SQLite cursor rewrites each statement with a
regular expression (behind a lazy object) on every ``execute``. py-spy on the embedded server
found that rewrite at several per cent of an authorisation check, which runs seven statements.
The rewrite depends on the statement's text alone, so its result is kept (a bounded LRU of
recent statements; the hot paths run a handful of distinct ones). Everything else is Django's.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

from django.db.backends.sqlite3 import base


@functools.lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None and len(query) <= 4096:  # long ones (bulk inserts) are not kept
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def get_new_connection(self, conn_params: Any) -> Any:
        try:
            return super().get_new_connection(conn_params)
        except sqlite3.OperationalError as exc:
            # SQLite says only "unable to open database file" (an unwritable directory, a
            # directory in the file's place): name the file and where it was configured.
            raise sqlite3.OperationalError(
                f"cannot open the SQLite database {self.settings_dict['NAME']} "
                f"(DATABASE_URL): {exc}"
            ) from exc
