"""Speedups in one place behind a switch (issue 24 items 1 and 2, decision 0019).

Everything that reaches into Django's, Channels', daphne's, Twisted's or another library's
internals lives in `access_support/speedups/`; app code calls plain Django or the package's one
interface (`access_support.speedups.queries`). These tests read the app's source and classes,
so a private import, a private attribute or an override of a framework's private method added
outside the package fails here. With `SPEEDUPS=off` the interface runs plain querysets and saves.
"""

from __future__ import annotations

import ast
import datetime
import importlib
import inspect
import pkgutil
import secrets
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from access_support import speedups
from access_support.accounts.models import User
from access_support.speedups.queries import Insert, Query, Update, by_primary_key

ROOT = Path(__file__).resolve().parent.parent
APPS = ("access_support", "proxies", "signlanguage", "supervision")
# Libraries whose internals only the speedups package may touch.
FRAMEWORKS = (
    "django",
    "channels",
    "channels_redis",
    "daphne",
    "twisted",
    "asgiref",
    "django_otp",
    "csp",
    "redis",
    "psycopg",
    "whitenoise",
    "axes",
)
# Servers' modules app code has no business importing at all.
SERVERS = ("daphne", "twisted")
# Underscored names that are Django's documented model API, not internals.
DOCUMENTED = {"_meta", "_default_manager", "_base_manager", "_state"}
# Named on sight, whatever the import looks like.
NAMED = {
    "get_related_populators",
    "FORMAT_QMARK_REGEX",
    "ASGIHandler",
    "BaseHandler",
    "get_handler_name",
}
# Public names that are a library's internal hooks: overriding one replaces the library's own
# step (Channels' `dispatch` runs `aclose_old_connections()` before every event).
HOOKS = {("channels", "dispatch")}
# Modules without a leading underscore that are the ORM's, the database backends' and the
# request handlers' insides all the same (Django documents none of them for applications).
INTERNAL_MODULES = ("django.db.models.sql", "django.db.backends", "django.core.handlers")
ATTRIBUTE_CALLS = {"getattr", "setattr", "hasattr", "delattr"}


def app_sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "speedups" not in path.parts and "migrations" not in path.parts
    )


def own_private_names(sources: list[Path]) -> set[str]:
    """Underscored names the project defines itself: its functions, methods and classes, names
    assigned at module or class level, and attributes it sets on `self` or `cls`. Setting an
    attribute on another object (`request._cached_user = …`) does not make the name its own."""
    names: set[str] = set()
    for path in sources:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                names.add(node.attr)
        scopes = [tree, *(node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))]
        for scope in scopes:
            for statement in scope.body:
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
                    targets = [statement.target]
                else:
                    continue
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return {name for name in names if name.startswith("_")}


def _framework(module: str) -> bool:
    return module.split(".")[0] in FRAMEWORKS


def _internal(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in INTERNAL_MODULES)


def _private(name: str, own: set[str]) -> bool:
    return (
        name.startswith("_")
        and not name.startswith("__")
        and name not in DOCUMENTED
        and name not in own
    )


def findings(source: str, where: str, own: set[str]) -> list[str]:
    """What in `source` reaches into a framework's internals."""
    found = []
    tree = ast.parse(source)
    # Names this module binds to a framework's module or class (`from django.db import models`,
    # `import django_otp`): assigning an attribute on one of them patches the framework.
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _framework(node.module):
            imported.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if _framework(alias.name)
            )
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module and _framework(node.module):
            if node.module.split(".")[0] in SERVERS:
                found.append(f"{line} imports the server's {node.module}")
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"{line} imports the private module {node.module}")
            for alias in node.names:
                if alias.name.startswith("_") or alias.name in NAMED:
                    found.append(f"{line} imports {node.module}.{alias.name}")
                elif _internal(f"{node.module}.{alias.name}"):
                    found.append(f"{line} imports the internal {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if (
                    parts[0] in SERVERS
                    or (_framework(alias.name) and any(p.startswith("_") for p in parts))
                    or _internal(alias.name)
                ):
                    found.append(f"{line} imports {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            arguments = node.args
            if node.func.id in ATTRIBUTE_CALLS and len(arguments) >= 2:
                target, name_given = arguments[0], arguments[1]
                if (
                    isinstance(name_given, ast.Constant)
                    and isinstance(name_given.value, str)
                    and _private(name_given.value, own)
                ):
                    found.append(f"{line} reaches the private attribute {ast.unparse(node)}")
                if node.func.id in ("setattr", "delattr") and (
                    isinstance(target, ast.Name) and target.id in imported
                ):
                    found.append(f"{line} patches {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute):
            name = node.attr
            if name in NAMED:
                found.append(f"{line} uses {name}")
            elif (
                isinstance(node.ctx, (ast.Store, ast.Del))
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
            ):
                found.append(f"{line} patches {ast.unparse(node)}")
            elif (
                name.startswith("_")
                and not name.startswith("__")
                and name not in DOCUMENTED
                and name not in own
            ):
                found.append(f"{line} reads the private attribute {ast.unparse(node)}")
        elif isinstance(node, ast.Name) and node.id in NAMED:
            found.append(f"{line} uses {node.id}")
    return found


def test_no_app_module_reaches_into_framework_internals():
    sources = app_sources()
    own = own_private_names(sources)
    found = [
        finding
        for path in sources
        for finding in findings(path.read_text(), str(path.relative_to(ROOT)), own)
    ]
    assert len(sources) > 100  # the apps were found
    assert found == []


@pytest.mark.parametrize(
    "snippet",
    [
        "from django.db.models.query import get_related_populators",
        "from django.core.handlers.asgi import ASGIHandler\nclass H(ASGIHandler): pass",
        "from daphne.http_protocol import WebRequest",
        "import twisted.web.http",
        "from channels_redis.utils import _wrap_close",
        "from django.db.backends.sqlite3 import base\nbase.FORMAT_QMARK_REGEX",
        "def f(lazy):\n    return lazy._wrapped",
        "def f(obj):\n    obj._prepare_related_fields_for_save(operation_name='save')",
        "from channels.consumer import get_handler_name",
        "def f(lazy):\n    return getattr(lazy, '_wrapped')",
        "from django.db.models import QuerySet\nQuerySet.first = lambda self: None",
        "from django_otp.middleware import OTPMiddleware\nsetattr(OTPMiddleware, 'x', None)",
        "import django.db.backends.sqlite3.base as base",
        "from django.db.models import sql",
        "from django.db.models.sql.compiler import SQLCompiler",
    ],
)
def test_the_check_finds_each_kind(snippet):
    """The scan above is not blind: each way of reaching in that the speedups package holds is
    found when written in an app module."""
    assert findings(snippet, "probe.py", own_private_names(app_sources()))


def test_an_attribute_set_on_another_object_is_not_the_projects_own(tmp_path):
    """Writing a framework's private attribute somewhere in the app does not hide reading it."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(request):\n    request._cached_user = None\n    return request._cached_user\n"
    )
    assert findings(probe.read_text(), "probe.py", own_private_names([probe]))


def _project_classes():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".speedups" in info.name or ".migrations" in info.name:
                continue
            if info.name.endswith((".settings_production", ".asgi")):
                continue  # the one refuses to start without production settings; asgi starts
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == info.name:
                    yield cls


def test_no_app_class_overrides_a_framework_private_method():
    overrides = []
    classes = list(_project_classes())
    for cls in classes:
        foreign = [base for base in cls.__mro__[1:] if base.__module__.split(".")[0] not in APPS]
        for name in vars(cls):
            hooked = [
                base
                for base in foreign
                if (base.__module__.split(".")[0], name) in HOOKS and name in vars(base)
            ]
            if hooked:
                overrides.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
            sunder = name.startswith("_") and name.endswith("_")  # enum's own, e.g. _missing_
            if name.startswith("_") and not name.startswith("__") and not sunder:
                if name in DOCUMENTED:
                    continue
                owners = [base for base in foreign if name in vars(base)]
                if owners:
                    overrides.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert len(classes) > 100
    assert overrides == []


# --- the interface with the speedups off runs plain Django, with the same results -----------


@pytest.fixture(params=[True, False], ids=["on", "off"])
def mode(request):
    with override_settings(SPEEDUPS=request.param):
        assert speedups.enabled() is request.param
        yield request.param


@pytest.mark.django_db
def test_reads_give_the_same_rows_either_way(mode, senior, django_assert_num_queries):
    members = Query(
        User,
        lambda number: User.objects.filter(member_number=number, is_member=True)[:1],
        ("sample-member-number",),
    )
    with django_assert_num_queries(1):
        found = members.first(senior.member_number)
    assert found == senior and found.display_name == senior.display_name
    assert members.first("no-such-number") is None
    with pytest.raises(TypeError):
        members.all()
    assert by_primary_key(User).get(str(senior.pk)) == senior
    assert by_primary_key(User).get("not-a-number") is None
    assert by_primary_key(Session).get("no-such-session") is None


@pytest.mark.django_db
def test_a_none_value_is_refused_either_way(mode, senior, operator):
    """Compiled, `filter(member_number=None)` is bound as `= NULL` and finds nobody; as a
    queryset it reads `IS NULL` and finds the operator (who has no member number): neither mode
    answers, so the switch cannot change who is found."""
    assert operator.member_number is None
    by_number = Query(
        User, lambda number: User.objects.filter(member_number=number)[:1], ("sample-number",)
    )
    with pytest.raises(TypeError):
        by_number.first(None)
    deactivate = Update(
        User, lambda pk: User.objects.filter(pk=pk), (-7130010,), {"is_active": True}
    )
    with pytest.raises(TypeError):
        deactivate.run((False,), None)
    operator.refresh_from_db()
    assert operator.is_active and by_number.first(senior.member_number) == senior


@pytest.mark.django_db
def test_writes_do_the_same_either_way(mode, senior):
    rename = Update(
        User,
        lambda pk: User.objects.filter(pk=pk, is_active=True),
        (-7130009,),
        {"display_name": "x"},
    )
    assert rename.run(("新しい 名前",), senior.pk) == 1
    assert rename.run(("新しい 名前",), -1) == 0
    senior.refresh_from_db()
    assert senior.display_name == "新しい 名前"
    from access_support.audit.models import AuditEvent

    count = AuditEvent.objects.count()
    event = AuditEvent(
        created_at=datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC),
        action="probe",
        object_type="probe",
        object_id="1",
        seq=10**9 + (1 if mode else 2),
        prev_hash=secrets.token_hex(32),
        hash=secrets.token_hex(32),
    )
    Insert(AuditEvent).insert(event)
    assert event.pk is not None and not event._state.adding
    assert AuditEvent.objects.count() == count + 1


async def test_consumers_dispatch_as_channels_does_when_off(mode, monkeypatch):
    """With the speedups off, Channels' own dispatch runs, old connections closed before each
    event; on, the handler is called directly (access_support/speedups/consumers.py)."""
    from access_support.consumers import ProtectedJsonConsumer

    closed, handled = [], []

    async def close_old_connections():
        closed.append(True)

    monkeypatch.setattr("channels.consumer.aclose_old_connections", close_old_connections)
    consumer = ProtectedJsonConsumer()

    async def probe_event(message):
        handled.append(message["n"])

    consumer.probe_event = probe_event
    await consumer.dispatch({"type": "probe.event", "n": 1})
    assert handled == [1] and closed == ([] if mode else [True])
    with pytest.raises(ValueError):
        await consumer.dispatch({"type": "no.such.event"})
