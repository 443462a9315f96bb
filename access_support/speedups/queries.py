"""The one interface app code uses for its hot reads and writes.

Each is written as plain Django — a queryset built by a function, `Model.save`,
`QuerySet.update` — and runs as written when the speedups are off. When they are on, the same
queryset is compiled once per database and run with the real values in place of samples
(`access_support.speedups.prepared`, decisions 0008, 0009 and 0014): the ORM's SQL, converters
and instances, without writing the SQL again on every call.

    _MEMBER = Query(User, lambda number: User.objects.filter(member_number=number)[:1], ("x",))
    _MEMBER.first("1234")

The samples are values no row has, of each parameter's type; they matter only when compiled.
The values are never None, in either mode (compiled, None would be bound as `= NULL` and match
no row; the queryset would read `IS NULL` and find rows): a None is a TypeError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Model, QuerySet

from access_support.speedups import enabled, prepared
from access_support.speedups.prepared import save_by_sql

__all__ = ["ByPrimaryKey", "Insert", "Query", "Update", "by_primary_key", "save_by_sql"]

M = TypeVar("M", bound=Model)


class Query(Generic[M]):
    """`build(*values)` → a queryset of `model`; `.all(*values)` / `.first(*values)` run it."""

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet[M]], samples: tuple[Any, ...] = ()
    ) -> None:
        self.build = build
        self.samples = samples
        self.compiled = prepared.Prepared(model, build, samples)

    def all(self, *values: Any, using: str | None = None) -> list[M]:
        if len(values) != len(self.samples):
            raise TypeError(f"expected {len(self.samples)} values, got {len(values)}")
        if any(value is None for value in values):
            # Compiled, None is bound as NULL (`= NULL` matches no row); the queryset would turn
            # `filter(field=None)` into `IS NULL` and find rows: refused in both modes alike.
            raise TypeError("a query's values are never None")
        if enabled():
            return self.compiled.all(*values, using=using)
        queryset = self.build(*values)
        return list(queryset.using(using) if using else queryset)

    def first(self, *values: Any, using: str | None = None) -> M | None:
        found = self.all(*values, using=using)
        return found[0] if found else None


class Insert(Generic[M]):
    """`.insert(obj)`: `obj.save(force_insert=True)`, the INSERT compiled once when on."""

    def __init__(self, model: type[M]) -> None:
        self.compiled = prepared.PreparedInsert(model)

    def insert(self, obj: M, using: str | None = None) -> M:
        if enabled():
            return self.compiled.insert(obj, using=using)
        obj.save(force_insert=True, using=using)
        return obj


class Update(Generic[M]):
    """`Update(model, build, samples, set_samples)`: `.run(set_values, *values)` is
    `build(*values).update(field=value, …)` with the fields of `set_samples` in order, and
    returns the number of rows changed."""

    def __init__(
        self,
        model: type[M],
        build: Callable[..., QuerySet[M]],
        samples: tuple[Any, ...],
        set_samples: dict[str, Any],
    ) -> None:
        self.model = model
        self.build = build
        self.samples = samples
        self.fields = list(set_samples)
        self.compiled = prepared.PreparedUpdate(model, build, samples, set_samples)

    def run(self, set_values: tuple[Any, ...], *values: Any, using: str | None = None) -> int:
        if len(values) != len(self.samples) or len(set_values) != len(self.fields):
            raise TypeError("values do not match the update")
        if any(type(value) not in (int, str) for value in values):
            # As the compiled update requires (its conditions are bound as given): both modes.
            raise TypeError("an update's conditions take ints and strings only")
        if enabled():
            return self.compiled.run(set_values, *values, using=using)
        queryset = self.build(*values).using(using or router.db_for_write(self.model))
        return queryset.update(**dict(zip(self.fields, set_values, strict=True)))


class ByPrimaryKey(Generic[M]):
    """`model.objects.get(pk=…)` → the instance, or None (also for a key of the wrong form: a
    user id from the session arrives as a string)."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.compiled = prepared.ByPrimaryKey(model)

    def get(self, pk: Any, using: str | None = None) -> M | None:
        if enabled():
            return self.compiled.get(pk, using=using)
        queryset = self.model._default_manager.filter
        try:
            found = queryset(pk=pk)
            return (found.using(using) if using else found).first()
        except (TypeError, ValueError, ValidationError):
            return None


_readers: dict[type[Model], ByPrimaryKey[Any]] = {}


def by_primary_key(model: type[M]) -> ByPrimaryKey[M]:
    """One reader per model, shared by every thread."""
    reader = _readers.get(model)
    if reader is None:
        reader = _readers.setdefault(model, ByPrimaryKey(model))
    return reader
