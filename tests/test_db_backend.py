"""The embedded database backend (access_support/speedups/db/sqlite3): Django's SQLite backend
with each statement's placeholder rewrite kept instead of redone on every execution."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3 import base as django_sqlite

from access_support.accounts.models import User
from access_support.speedups.db.sqlite3 import base

pytestmark = pytest.mark.sqlite


@pytest.mark.parametrize(
    "query",
    [
        "SELECT %s",
        "SELECT * FROM t WHERE a = %s AND b LIKE %s ESCAPE '\\'",
        "SELECT '100%%', %s",
        "SELECT strftime('%%Y', %s)",
        "SELECT 1",
        "SELECT '%s' || %s",
        "SELECT %%s, %s",
        "SELECT %s" + ", %s" * 2000,  # too long to keep: converted each time
    ],
)
def test_a_statement_is_rewritten_as_django_rewrites_it(query: str) -> None:
    expected = django_sqlite.SQLiteCursorWrapper.convert_query(None, query)  # Django's own
    assert base._qmark(query) == expected
    assert base._qmark(query) == expected  # and the second time, from the kept result


@pytest.mark.speedups_only
@pytest.mark.django_db
def test_the_project_runs_on_it_and_percent_signs_survive(make_user: object) -> None:
    assert isinstance(connections["default"], base.DatabaseWrapper)
    User.objects.create_user(username="a%b_c", email="p@example.com", password="x" * 12)
    User.objects.create_user(username="axb", email="q@example.com", password="x" * 12)
    assert list(
        User.objects.filter(username__contains="%b").values_list("username", flat=True)
    ) == ["a%b_c"]
    assert User.objects.filter(username__startswith="a%").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s || '%%'", ["50"])
        assert cursor.fetchone() == ("50%",)
    with connection.cursor() as cursor:  # named parameters still go through Django's own path
        cursor.execute("SELECT %(x)s || %(x)s", {"x": "ab"})
        assert cursor.fetchone() == ("abab",)
