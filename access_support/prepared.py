"""Hot-path SELECTs whose SQL is compiled once per database.

Every signed-in request reads three rows before its view runs (session, user, second-factor
device), and the authorisation check reads three more (member, code, grant) and the audit
chain's last link. py-spy showed the ORM spending more time *writing* those SELECTs than the
database spends answering them. A `Prepared` query is built by the ORM from a queryset with
sample values, compiled once, and then run with the real values in place of the samples; rows go
through the ORM's own converters, `Model.from_db` and its select_related populators, so the
instances are the ones the queryset would have returned. One query each, still counted by
`CaptureQueriesContext`; nothing is cached across calls (a sign-out, a revoked grant or a
removed device counts on the very next request).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where each value goes in `params`
    converters: list[tuple[int, tuple[list[Any], Any]]]  # (column, (converters, expression))
    fields: slice
    attnames: list[str]
    populators: list[Any]


class Prepared(Generic[M]):
    """`Prepared(model, build, samples)`: `build(*samples)` returns the queryset; each sample
    must appear exactly once among the compiled SQL's parameters (pick values no real row
    has, of the field's type). `.all(*values)` / `.first(*values)` run it with the values."""

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet[M]], samples: tuple[Any, ...] = ()
    ) -> None:
        self.model = model
        self.build = build
        self.samples = samples
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def all(self, *values: Any, using: str | None = None) -> list[M]:
        if len(values) != len(self.samples):
            raise TypeError(f"expected {len(self.samples)} values, got {len(values)}")
        alias = using or router.db_for_read(self.model)
        plan = self._plans.get(alias) or self._plan(alias)
        params = list(plan.params)
        for slot, value in zip(plan.slots, values, strict=True):
            params[slot] = value
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            if plan.converters:  # as SQLCompiler.apply_converters, with this thread's connection
                row = list(row)
                for position, (functions, expression) in plan.converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            obj = self.model.from_db(alias, plan.attnames, row[plan.fields])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, *values: Any, using: str | None = None) -> M | None:
        found = self.all(*values, using=using)
        return found[0] if found else None

    def _plan(self, alias: str) -> _Plan:
        with self._lock:
            if alias not in self._plans:
                self._plans[alias] = self._compile(alias)
            return self._plans[alias]

    def _compile(self, alias: str) -> _Plan:
        queryset = self.build(*self.samples).using(alias)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        slots = []
        for sample in self.samples:
            where = [i for i, p in enumerate(params) if type(p) is type(sample) and p == sample]
            if len(where) != 1:
                raise ValueError(f"sample {sample!r} is not exactly one parameter of {sql}")
            slots.append(where[0])
        info = compiler.klass_info
        if info is None or info["model"] is not self.model or compiler.annotation_col_map:
            raise ValueError(f"cannot prepare {sql}: not a plain read of {self.model}")
        fields = slice(info["select_fields"][0], info["select_fields"][-1] + 1)
        columns = [column for column, _, _ in compiler.select]
        return _Plan(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            converters=list(compiler.get_converters(columns).items()),
            fields=fields,
            attnames=[column.target.attname for column in columns[fields]],
            populators=get_related_populators(info, compiler.select, alias),
        )


class ByPrimaryKey(Generic[M]):
    """`Model.objects.get(pk=…)` → the instance or None (the key is prepared as the ORM would:
    a user id from the session arrives as a string)."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        sample = model._meta.pk.to_python("-7130001")
        self.query = Prepared(model, lambda pk: model._default_manager.filter(pk=pk), (sample,))

    def get(self, pk: Any, using: str | None = None) -> M | None:
        alias = using or router.db_for_read(self.model)
        field = self.model._meta.pk
        try:
            value = field.get_db_prep_value(pk, connections[alias], prepared=False)
        except (TypeError, ValueError):
            return None
        return self.query.first(value, using=alias)


_readers: dict[type[Model], ByPrimaryKey[Any]] = {}


def by_primary_key(model: type[M]) -> ByPrimaryKey[M]:
    """One reader per model, shared by every thread (the plan is read-only once made)."""
    reader = _readers.get(model)
    if reader is None:
        reader = _readers.setdefault(model, ByPrimaryKey(model))
    return reader
