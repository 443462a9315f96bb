"""Hot-path SELECTs whose SQL is compiled once per database (used through
`access_support.speedups.queries`; replaces running the queryset, or `Model.save`/`update`, on
every call; decisions 0008, 0009, 0012 and 0014).

Every signed-in request reads its rows before its view runs (the session; the second-factor
device joined to its user, decision 0012), and the authorisation check reads the code with its
proxy and its member (on SQLite their grant too; on PostgreSQL the grant apart, decision 0014)
and, on SQLite, the audit chain's last link. py-spy showed the ORM spending more
time *writing* those SELECTs than the database spends answering them. A `Prepared` query is
built by the ORM from a queryset with sample values, compiled once, and then run with the real
values in place of the samples; rows go through the ORM's own converters, `Model.from_db` and
its select_related populators, so the instances are the ones the queryset would have returned.
One query each, still counted by `CaptureQueriesContext`; nothing is cached across calls (a
sign-out, a revoked grant or a removed device counts on the very next request).

The desk's two writes are compiled once the same way: the audit row's INSERT
(`PreparedInsert`, values prepared by each field as `Model.save` prepares them, the same
signals sent) and spending the code (`PreparedUpdate`, one conditional UPDATE).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router, transaction
from django.db.models import Field, Model, QuerySet, signals, sql
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)


P = TypeVar("P")


class _PerDatabase(Generic[P]):
    """A plan made once per database alias, under a lock, then shared by every thread (plans hold
    SQL text, fields and constants only; each call uses its own thread's connection)."""

    def __init__(self) -> None:
        self._plans: dict[str, P] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str) -> P:
        with self._lock:
            if alias not in self._plans:
                self._plans[alias] = self._compile(alias)
            return self._plans[alias]

    def _compile(self, alias: str) -> P:
        raise NotImplementedError


def _sample_slots(samples: tuple[Any, ...], params: Any, sql: str, offset: int = 0) -> list[int]:
    """Where each sample stands among `params` (plus `offset`): exactly once each, or ValueError."""
    slots = []
    for sample in samples:
        where = [i for i, p in enumerate(params) if type(p) is type(sample) and p == sample]
        if len(where) != 1:
            raise ValueError(f"sample {sample!r} is not exactly one parameter of {sql}")
        slots.append(offset + where[0])
    return slots


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where each value goes in `params`
    converters: list[tuple[int, tuple[list[Any], Any]]]  # (column, (converters, expression))
    fields: slice
    attnames: list[str]
    populators: list[Any]


class Prepared(_PerDatabase[_Plan], Generic[M]):
    """`Prepared(model, build, samples)`: `build(*samples)` returns the queryset; each sample
    must appear exactly once among the compiled SQL's parameters (pick values no real row
    has, of the field's type). `.all(*values)` / `.first(*values)` run it with the values."""

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet[M]], samples: tuple[Any, ...] = ()
    ) -> None:
        self.model = model
        self.build = build
        self.samples = samples
        super().__init__()

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

    def _compile(self, alias: str) -> _Plan:
        queryset = self.build(*self.samples).using(alias)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        slots = _sample_slots(self.samples, params, sql)
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
        connection = connections[alias]
        try:
            value = field.get_db_prep_value(pk, connection, prepared=False)
        except (TypeError, ValueError):
            return None
        if isinstance(value, int):
            # Out of the column's range: no row, as the stock lookup answers (the driver would
            # raise, e.g. sqlite3's OverflowError for a key past 2**63 - 1).
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                return None
        return self.query.first(value, using=alias)


# --- writes ---------------------------------------------------------------------------------


def save_by_sql(obj: Model, alias: str, write: Callable[[], None]) -> None:
    """A new row written by `write()` (SQL of the caller's own) with what `Model.save` does around
    its INSERT: related fields checked, `pre_save` and `post_save` sent, the instance marked as
    saved in `alias`. `write` sets the instance's primary key."""
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    signals.pre_save.send(
        sender=type(obj), instance=obj, raw=False, using=alias, update_fields=None
    )
    write()
    obj._state.db = alias
    obj._state.adding = False
    signals.post_save.send(
        sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=alias
    )


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: list[Any]
    returning: list[Any]
    converters: list[tuple[int, tuple[list[Any], Any]]]


class PreparedInsert(_PerDatabase[_InsertPlan], Generic[M]):
    """`Model.save(force_insert=True)` for a model written on a hot path (the audit log): the
    INSERT is compiled once per database; each call prepares the instance's values as the ORM
    would (`pre_save`, `get_db_prep_save`) and sets the returned primary key. The same signals
    are sent; a model with a parent table, or a value that is an SQL expression, goes through
    the ORM's own `save`."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        super().__init__()

    def insert(self, obj: M, using: str | None = None) -> M:
        meta = self.model._meta
        alias = using or router.db_for_write(self.model, instance=obj)
        plan = self._plans.get(alias) or self._plan(alias)
        if (
            type(obj) is not self.model
            or not obj._state.adding
            or obj.pk is not None  # a key chosen by the caller: the ORM inserts it
            or any(hasattr(obj.__dict__.get(f.attname), "resolve_expression") for f in plan.fields)
        ):
            obj.save(force_insert=True, using=alias)  # the ORM's own path, signals and all
            return obj
        connection = connections[alias]

        def write() -> None:
            params = []
            for field in plan.fields:
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    raise TypeError(f"{field} became an SQL expression in pre_save: not prepared")
                params.append(field.get_db_prep_save(value, connection))
            with transaction.mark_for_rollback_on_error(using=alias):
                with connection.cursor() as cursor:
                    cursor.execute(plan.sql, params)
                    if connection.features.can_return_columns_from_insert:
                        row = list(connection.ops.fetch_returned_insert_columns(cursor, ()))
                    else:
                        pk = meta.pk
                        row = [connection.ops.last_insert_id(cursor, meta.db_table, pk.column)]
            for position, (functions, expression) in plan.converters:
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
            for value, field in zip(row, plan.returning, strict=True):
                setattr(obj, field.attname, value)

        save_by_sql(obj, alias, write)
        return obj

    def _compile(self, alias: str) -> _InsertPlan:
        meta = self.model._meta
        fields = [
            f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
        ]
        returning = list(meta.db_returning_fields)
        if returning != [meta.pk] or meta.auto_field is None:
            raise ValueError(f"cannot prepare the insert of {self.model}: not an auto primary key")
        if (
            meta.parents
            or meta.order_with_respect_to
            or self.model.save is not Model.save
            or self.model.save_base is not Model.save_base
            or any(hasattr(f, "get_placeholder") for f in fields)
        ):
            raise ValueError(f"cannot prepare the insert of {self.model}: save() does more")
        query = sql.InsertQuery(self.model)
        query.insert_values(fields, [self.model()], raw=False)
        compiler = query.get_compiler(using=alias)
        connection = connections[alias]
        if connection.features.can_return_columns_from_insert:
            compiler.returning_fields = returning
        [(statement, params)] = compiler.as_sql()
        if len(params) != len(fields) or statement.count("%s") != len(fields):
            raise ValueError(f"cannot prepare {statement}: a field has its own placeholder")
        columns = [field.get_col(meta.db_table) for field in returning]
        return _InsertPlan(
            sql=statement,
            fields=fields,
            returning=returning,
            converters=list(compiler.get_converters(columns).items()),
        )


@dataclass(frozen=True)
class _UpdatePlan:
    sql: str
    params: tuple[Any, ...]
    fields: list[Any]  # the SET fields, whose values are the first parameters
    slots: tuple[int, ...]


class PreparedUpdate(_PerDatabase[_UpdatePlan], Generic[M]):
    """`queryset.update(field=value, …)` compiled once per database:
    `PreparedUpdate(model, build, samples, set_samples)`; `build(*samples)` returns the filtered
    queryset (each sample exactly one parameter of its WHERE clause, as for `Prepared`), and
    `set_samples` maps each field to set to a sample value (not None) of its type.
    `.run(set_values, *values)` returns the number of rows changed. Only plain fields of the
    model's own table; the values set are prepared as the ORM prepares them; the WHERE values
    are passed as given, so they are limited to ints and strings (refused otherwise)."""

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
        self.set_samples = set_samples
        super().__init__()

    def run(self, set_values: tuple[Any, ...], *values: Any, using: str | None = None) -> int:
        if len(values) != len(self.samples) or len(set_values) != len(self.set_samples):
            raise TypeError("values do not match the prepared update")
        alias = using or router.db_for_write(self.model)
        plan = self._plans.get(alias) or self._plan(alias)
        connection = connections[alias]
        params = list(plan.params)
        for i, (field, value) in enumerate(zip(plan.fields, set_values, strict=True)):
            if hasattr(value, "resolve_expression"):
                raise TypeError("a prepared update sets plain values only")
            params[i] = field.get_db_prep_save(value, connection)
        for slot, value in zip(plan.slots, values, strict=True):
            if type(value) not in (int, str):
                raise TypeError("a prepared update's conditions take ints and strings only")
            params[slot] = value
        with transaction.mark_for_rollback_on_error(using=alias):
            with connection.cursor() as cursor:
                cursor.execute(plan.sql, params)
                return int(cursor.rowcount)

    def _compile(self, alias: str) -> _UpdatePlan:
        meta = self.model._meta
        fields: list[Field[Any, Any]] = []
        for name in self.set_samples:
            field = meta.get_field(name)
            if not isinstance(field, Field) or field.is_relation or field.model is not self.model:
                raise ValueError("a prepared update sets the model's own plain fields only")
            fields.append(field)
        query: Any = self.build(*self.samples).using(alias).query.chain(sql.UpdateQuery)
        query.add_update_values(self.set_samples)
        statement, params = query.get_compiler(alias).as_sql()
        connection = connections[alias]
        prepared = [
            f.get_db_prep_save(v, connection)
            for f, v in zip(fields, self.set_samples.values(), strict=True)
        ]
        if query.related_updates or list(params[: len(fields)]) != prepared:
            raise ValueError(f"cannot prepare {statement}: a set value is not one parameter")
        where = params[len(fields) :]
        slots = _sample_slots(self.samples, where, statement, offset=len(fields))
        return _UpdatePlan(sql=statement, params=tuple(params), fields=fields, slots=tuple(slots))
