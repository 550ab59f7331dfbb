"""SQL for the search endpoints, built from whitelists: request values only ever become parameters.

Every searchable object is an :class:`Entity`: its table and its :class:`Field` s, each with the SQL
expression that computes it, how to filter on it and how to sort by it. A search is Operate's query
(``filter`` by equality, ``size``, ``sort``, ``searchAfter``) turned into

- the page query: ``WHERE`` filter ``AND`` keyset condition (from ``searchAfter``) ``ORDER BY`` sort
  fields plus the ``key`` tiebreaker ``LIMIT`` size, which lets SQLite walk an index instead of
  counting past skipped rows;
- the count query: the same filter, ``COUNT(*)``.

The sort values returned with a page are the raw SQL values of the last row's sort expressions (dates as
epoch seconds), so that passing them back as ``searchAfter`` compares exactly what was sorted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from engine.read_api.dates import format_date, parse_date_millis

DEFAULT_SIZE = 10
MAX_SIZE = 1000
TENANT_ID = "<default>"
"""Operate's tenant id when multi-tenancy is off; the engine has no tenants."""


INTEGER = re.compile(r"-?[0-9]+")


class Row(Protocol):
    """A result row (``sqlite3.Row``): values by column name."""

    def __getitem__(self, name: str, /) -> Any: ...


class QueryError(ValueError):
    """A query the API refuses (HTTP 400); the message is shown to the client."""


class Kind(Enum):
    """What a field holds: decides how filter and ``searchAfter`` values are read and how it is shown."""

    INT = "integer"
    STR = "string"
    BOOL = "boolean"
    DATE = "date"


Condition = tuple[str, list[Any]]
FilterBuilder = Callable[["Field", Any], Condition]
SortValueDecoder = Callable[["Field", Any], tuple[Any, ...]]
SortValueEncoder = Callable[[tuple[Any, ...]], Any]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an API object.

    ``select`` is the SQL expression of its value; ``sort`` the expressions to order by (usually the same
    one); ``where`` a custom filter builder (default: equality on ``select``; dates: the millisecond the
    given date names). ``decode``/``encode`` convert one ``searchAfter`` value to/from the tuple of values
    of the ``sort`` expressions.
    """

    name: str
    kind: Kind
    select: str
    sort: tuple[str, ...]
    nullable: bool = False
    where: FilterBuilder | None = None
    decode: SortValueDecoder | None = None
    encode: SortValueEncoder | None = None

    def output(self, value: Any) -> Any:
        """The value of ``select`` as the API shows it."""
        if value is None:
            return None
        if self.kind is Kind.DATE:
            return format_date(float(value))
        if self.kind is Kind.BOOL:
            return bool(value)
        return value


def column(name: str, kind: Kind, sql: str, *, nullable: bool = False) -> Field:
    """A field that is one SQL expression, filtered by equality and sorted by itself."""
    return Field(name, kind, sql, (sql,), nullable)


@dataclass(frozen=True, slots=True)
class Entity:
    """A searchable object: ``source`` is the ``FROM`` clause, ``conditions`` always apply."""

    source: str
    fields: Mapping[str, Field]
    conditions: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other names Operate accepts for a field in filters and sorts (e.g. ``parentProcessInstanceKey``)."""

    def lookup(self, name: str) -> Field | None:
        """The field called ``name`` (or one of its aliases), ``None`` if there is none."""
        return self.fields.get(self.aliases.get(name, name))

    @property
    def key(self) -> Field:
        return self.fields["key"]


def entity(source: str, fields: Sequence[Field], **kwargs: Any) -> Entity:
    return Entity(source, {f.name: f for f in fields}, **kwargs)


# --------------------------------------------------------------------------- value coercion
def _describe(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def coerce(f: Field, value: Any, what: str) -> Any:
    """A filter or ``searchAfter`` value of ``f`` as an SQL parameter; raises :class:`QueryError`."""
    kind = f.kind
    if kind is Kind.INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
            return int(value)
    elif kind is Kind.STR:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif kind is Kind.BOOL:
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, int) and value in (0, 1):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return 1 if value.lower() == "true" else 0
    elif kind is Kind.DATE and isinstance(value, str):
        try:
            return parse_date_millis(value)
        except ValueError:
            pass
    raise QueryError(f"{what} value for '{f.name}' must be {_article(kind)}, got {_describe(value)}")


def _article(kind: Kind) -> str:
    return f"an {kind.value}" if kind is Kind.INT else f"a {kind.value}"


# --------------------------------------------------------------------------- filters
def equality(f: Field, value: Any) -> Condition:
    if f.kind is Kind.DATE:
        millis = coerce(f, value, "Filter")
        # the dates shown are rounded to the millisecond: match every stored time that shows as this one
        return f"({f.select} >= ? AND {f.select} < ?)", [(millis - 0.5) / 1000, (millis + 0.5) / 1000]
    return f"{f.select} = ?", [coerce(f, value, "Filter")]


def one_of(mapping: Mapping[str, Sequence[str]], sql: str) -> FilterBuilder:
    """A filter on a value shown mapped: the API value ``v`` matches stored values ``mapping[v]``."""

    def build(f: Field, value: Any) -> Condition:
        stored = mapping.get(coerce(f, value, "Filter"), ())
        if not stored:
            return "0", []
        return f"{sql} IN ({', '.join('?' * len(stored))})", list(stored)

    return build


def build_filter(entity: Entity, filter_: Mapping[str, Any] | None) -> Condition:
    """The ``WHERE`` condition of a filter: every non-null field value must match (Operate ignores nulls)."""
    parts: list[str] = list(entity.conditions)
    params: list[Any] = []
    given = filter_ or {}
    invalid = [name for name in given if entity.lookup(name) is None]
    if invalid:
        raise QueryError(f"Filter has invalid field(s): {', '.join(invalid)}")
    for name, value in given.items():
        if value is None:
            continue
        f = entity.lookup(name)
        assert f is not None
        sql, values = (f.where or equality)(f, value)
        parts.append(sql)
        params.extend(values)
    return (" AND ".join(f"({p})" for p in parts) if parts else "1"), params


# --------------------------------------------------------------------------- sorting and keyset paging
@dataclass(frozen=True, slots=True)
class SortTerm:
    field: Field
    descending: bool


def build_sort(entity: Entity, sort: Sequence[tuple[str | None, str | None]] | None) -> list[SortTerm]:
    """The requested sort (field, order) pairs then Operate's tiebreaker, ``key`` ascending."""
    terms: list[SortTerm] = []
    requested = list(sort or [])
    if any(name is None for name, _ in requested):
        raise QueryError('No \'field\' given in sort. Example: "sort": [{"field":"key","order": "ASC"}]')
    invalid = [name for name, _ in requested if name is not None and entity.lookup(name) is None]
    if invalid:
        raise QueryError(f"Sort has invalid field(s): {', '.join(invalid)}")
    for name, order in requested:
        f = entity.lookup(name or "")
        assert f is not None
        if order not in (None, "ASC", "DESC"):
            raise QueryError(f"Sort order of '{name}' must be ASC or DESC, got {_describe(order)}")
        terms.append(SortTerm(f, order == "DESC"))
    terms.append(SortTerm(entity.key, False))
    return terms


def decode_sort_value(f: Field, value: Any) -> tuple[Any, ...]:
    if f.decode is not None:
        return f.decode(f, value)
    if value is None:
        if not f.nullable:
            raise QueryError(f"searchAfter value for '{f.name}' must not be null")
        return (None,)
    if f.kind is Kind.DATE:
        # sort values of dates are the stored epoch seconds
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise QueryError(f"searchAfter value for '{f.name}' must be a number, got {_describe(value)}")
        return (value,)
    return (coerce(f, value, "searchAfter"),)


def encode_sort_value(f: Field, values: tuple[Any, ...]) -> Any:
    if f.encode is not None:
        return f.encode(values)
    value = values[0]
    if f.kind is Kind.BOOL and value is not None:
        return bool(value)
    return value


@dataclass(frozen=True, slots=True)
class _Column:
    sql: str
    descending: bool
    nullable: bool


def _flatten(terms: Sequence[SortTerm]) -> list[_Column]:
    return [_Column(sql, t.descending, t.field.nullable) for t in terms for sql in t.field.sort]


def _strictly_after(column: _Column, value: Any) -> Condition | None:
    """Rows after ``value`` in this column's order (SQLite: NULLs first ascending, last descending)."""
    if not column.descending:
        if value is None:
            return f"{column.sql} IS NOT NULL", []
        return f"{column.sql} > ?", [value]
    if value is None:
        return None
    if column.nullable:
        return f"({column.sql} < ? OR {column.sql} IS NULL)", [value]
    return f"{column.sql} < ?", [value]


def keyset_condition(terms: Sequence[SortTerm], search_after: Sequence[Any]) -> Condition:
    """The condition selecting the rows that sort after the ``searchAfter`` values."""
    if len(search_after) != len(terms):
        raise QueryError(f"searchAfter should have a {len(terms)} values")
    columns = _flatten(terms)
    values = [
        v for term, raw in zip(terms, search_after, strict=True) for v in decode_sort_value(term.field, raw)
    ]
    same_direction = len({c.descending for c in columns}) == 1
    if (
        same_direction
        and None not in values
        and not (columns[0].descending and any(c.nullable for c in columns))
    ):
        # one row-value comparison: SQLite can seek an index with it
        operator = "<" if columns[0].descending else ">"
        if len(columns) == 1:
            return f"{columns[0].sql} {operator} ?", values
        left = ", ".join(c.sql for c in columns)
        return f"({left}) {operator} ({', '.join('?' * len(values))})", values
    disjuncts: list[str] = []
    params: list[Any] = []
    equal: list[str] = []
    equal_params: list[Any] = []
    for column, value in zip(columns, values, strict=True):
        after = _strictly_after(column, value)
        if after is not None:
            disjuncts.append("(" + " AND ".join([*equal, after[0]]) + ")")
            params.extend(equal_params + after[1])
        if value is None:
            equal.append(f"{column.sql} IS NULL")
        else:
            equal.append(f"{column.sql} = ?")
            equal_params.append(value)
    return (" OR ".join(disjuncts) if disjuncts else "0"), params


# --------------------------------------------------------------------------- whole queries
@dataclass(frozen=True, slots=True)
class SearchPlan:
    """The SQL of one search page and of its total."""

    sql: str
    params: list[Any]
    count_sql: str
    count_params: list[Any]
    terms: list[SortTerm]

    def sort_values(self, row: Row) -> list[Any]:
        """The ``sortValues`` of a page's last row (pass them back as ``searchAfter``)."""
        values: list[Any] = []
        index = 0
        for term in self.terms:
            width = len(term.field.sort)
            raw = tuple(row[f"_sort{index + i}"] for i in range(width))
            values.append(encode_sort_value(term.field, raw))
            index += width
        return values


def select_list(entity: Entity) -> str:
    return ", ".join(f'{f.select} AS "{f.name}"' for f in entity.fields.values())


def build_search(
    entity: Entity,
    *,
    filter_: Mapping[str, Any] | None,
    size: int,
    sort: Sequence[tuple[str | None, str | None]] | None,
    search_after: Sequence[Any] | None,
    extra: Sequence[Condition] = (),
) -> SearchPlan:
    """The page and count queries; ``extra`` conditions (e.g. the monitor's ranges) AND onto the filter."""
    if size <= 0 or size > MAX_SIZE:
        raise QueryError(f"size should be greater than zero and less than {MAX_SIZE}")
    if search_after is not None and len(search_after) == 0:
        raise QueryError("searchAfter should have a least 1 value")
    where, params = build_filter(entity, filter_)
    for sql, values in extra:
        where = f"{where} AND ({sql})"
        params = [*params, *values]
    terms = build_sort(entity, sort)
    count_sql = f"SELECT COUNT(*) FROM {entity.source} WHERE {where}"
    count_params = list(params)
    if search_after is not None:
        after, after_params = keyset_condition(terms, search_after)
        where = f"{where} AND ({after})"
        params = params + after_params
    columns = _flatten(terms)
    sort_columns = ", ".join(f"{c.sql} AS _sort{i}" for i, c in enumerate(columns))
    order = ", ".join(f"{c.sql} {'DESC' if c.descending else 'ASC'}" for c in columns)
    sql = (
        f"SELECT {select_list(entity)}, {sort_columns} FROM {entity.source} "
        f"WHERE {where} ORDER BY {order} LIMIT ?"
    )
    return SearchPlan(sql, [*params, size], count_sql, count_params, terms)


def build_get(entity: Entity, key: Any) -> Condition:
    """The query of one object by key."""
    where, params = build_filter(entity, {"key": key})
    return f"SELECT {select_list(entity)} FROM {entity.source} WHERE {where}", params


def to_item(entity: Entity, row: Row) -> dict[str, Any]:
    """A result row as the API's JSON object (field name -> shown value)."""
    return {name: f.output(row[name]) for name, f in entity.fields.items()}
