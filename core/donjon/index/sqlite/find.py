"""``IndexTransaction.find`` for SQLite: constraints on main tags, labels and paging in one query.

Every constraint becomes an indexed condition on ``main_dicom_tags``: exact and
list matches use the ``(tag, value)`` / ``(tag, norm)`` indexes, prefix wildcards
(``SMI*``) a range on the same index, so latency does not grow with the index
(Orthanc 1.10.1 scans and grows linearly, PERFORMANCE.md). The ``norm`` column is
upper-cased *and* stripped of accents, a superset of Orthanc's case-insensitive
rule (which keeps accents), so each such condition is paired with an exact check
through SQL functions backed by :mod:`donjon.find.matching`: the answer is exact
in SQL, and ``ORDER BY``/``LIMIT``/``OFFSET`` stay in the database.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...enums import ResourceLevel
from ...find.matching import wildcard_regex
from ...find.model import ConstraintKind, IndexFind, LabelsConstraint, TagConstraint
from ...text import normalize

__all__ = ["find"]


def _fold_equal(value: str | None, expected: str) -> bool:
    return value is not None and value.upper() == expected


def _fold_in(value: str | None, joined: str) -> bool:
    return value is not None and value.upper() in joined.split("\\")


def _fold_wildcard(value: str | None, pattern: str) -> bool:
    return value is not None and wildcard_regex(pattern, False).fullmatch(value.upper()) is not None


def _register(conn: sqlite3.Connection) -> None:
    # Registering costs microseconds; doing it per call avoids tracking connections.
    conn.create_function("donjon_fold_equal", 2, _fold_equal, deterministic=True)
    conn.create_function("donjon_fold_in", 2, _fold_in, deterministic=True)
    conn.create_function("donjon_fold_wildcard", 2, _fold_wildcard, deterministic=True)


def _next_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``."""
    last = ord(prefix[-1])
    return None if last >= 0x10FFFF else prefix[:-1] + chr(last + 1)


def _glob_escape(pattern: str) -> str:
    # GLOB's own wildcards are DICOM's, only '[' needs escaping.
    return pattern.replace("[", "[[]")


def _condition(alias: str, c: TagConstraint, params: list[Any]) -> str:
    """SQL on one ``main_dicom_tags`` row, exact for ``c``; appends its parameters."""
    parts = [f"{alias}.tag = ?"]
    params.append(c.keyword)
    kind = c.kind
    if c.case_sensitive:
        col = f"{alias}.value"
        if kind is ConstraintKind.EQUAL:
            parts.append(f"{col} = ?")
            params.append(c.values[0])
        elif kind is ConstraintKind.LIST:
            parts.append(f"{col} IN ({','.join('?' * len(c.values))})")
            params.extend(c.values)
        elif kind is ConstraintKind.RANGE:
            _range(col, c.values, parts, params, str)
        else:
            _prefix(col, c.values[0], parts, params, str)
            parts.append(f"{col} GLOB ?")
            params.append(_glob_escape(c.values[0]))
        return " AND ".join(parts)
    # Case-insensitive: the norm index narrows, the fold function decides.
    col, raw = f"{alias}.norm", f"{alias}.value"
    if kind is ConstraintKind.EQUAL:
        parts.append(f"{col} = ? AND donjon_fold_equal({raw}, ?)")
        params += [normalize(c.values[0]), c.values[0].upper()]
    elif kind is ConstraintKind.LIST:
        parts.append(f"{col} IN ({','.join('?' * len(c.values))}) AND donjon_fold_in({raw}, ?)")
        params += [normalize(v) for v in c.values]
        params.append("\\".join(v.upper() for v in c.values))
    elif kind is ConstraintKind.RANGE:
        parts.append(f"{raw} IS NOT NULL")
        _range(f"upper({raw})", c.values, parts, params, str.upper)
    else:
        _prefix(col, c.values[0], parts, params, normalize)
        parts.append(f"donjon_fold_wildcard({raw}, ?)")
        params.append(c.values[0])
    return " AND ".join(parts)


def _range(col: str, bounds: tuple[str, ...], parts: list[str], params: list[Any], fold: Any) -> None:
    lower, upper = bounds
    if lower:
        parts.append(f"{col} >= ?")
        params.append(fold(lower))
    if upper:
        parts.append(f"{col} <= ?")
        params.append(fold(upper))


def _prefix(col: str, pattern: str, parts: list[str], params: list[Any], fold: Any) -> None:
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    prefix = fold(pattern[:cut])
    if not prefix:
        return
    parts.append(f"{col} >= ?")
    params.append(prefix)
    upper = _next_prefix(prefix)
    if upper is not None:
        parts.append(f"{col} < ?")
        params.append(upper)


def _descendant_exists(c: TagConstraint, level: ResourceLevel, params: list[Any]) -> str:
    """``EXISTS`` a descendant at ``c.level`` whose tag matches (``ModalitiesInStudy``)."""
    depth = int(c.level) - int(level)
    joins = "".join(f" JOIN resources d{i} ON d{i}.parent_id = d{i - 1}.id" for i in range(1, depth))
    condition = _condition("dt", c, params)
    return f"EXISTS (SELECT 1 FROM resources d0{joins} JOIN main_dicom_tags dt ON dt.resource_id = d{depth - 1}.id AND {condition} WHERE d0.parent_id = a.id)"


def _labels(query: IndexFind, where: list[str], params: list[Any]) -> None:
    labels = list(query.labels)
    mode = query.labels_constraint
    if mode is LabelsConstraint.NONE:
        if labels:
            where.append(f"NOT EXISTS (SELECT 1 FROM labels l WHERE l.resource_id = a.id AND l.label IN ({','.join('?' * len(labels))}))")
            params.extend(labels)
        else:
            # Orthanc 1.12.11: None with no labels finds the resources without any label.
            where.append("NOT EXISTS (SELECT 1 FROM labels l WHERE l.resource_id = a.id)")
    elif not labels:
        return
    elif mode is LabelsConstraint.ANY:
        where.append(f"EXISTS (SELECT 1 FROM labels l WHERE l.resource_id = a.id AND l.label IN ({','.join('?' * len(labels))}))")
        params.extend(labels)
    else:
        for label in labels:
            where.append("EXISTS (SELECT 1 FROM labels l WHERE l.resource_id = a.id AND l.label = ?)")
            params.append(label)


def build_sql(query: IndexFind) -> tuple[str, list[Any]]:
    """The SQL and parameters of a find (exposed for tests and ``EXPLAIN QUERY PLAN``)."""
    level = query.level
    joins: list[str] = []
    join_params: list[Any] = []
    # With a tag constraint to drive the query, "+a.level" keeps the planner from
    # scanning the whole level through resources_level (it did at instance level).
    driven = any(c.level <= level for c in query.constraints)
    where = ["+a.level = ?" if driven else "a.level = ?"]
    params: list[Any] = [int(level)]
    top = min((c.level for c in query.constraints if c.level <= level), default=level)
    # Ancestors, one join each: p{n} is the ancestor at level n.
    alias = {level: "a"}
    child = "a"
    for lvl in range(int(level) - 1, int(top) - 1, -1):
        name = f"p{lvl}"
        joins.append(f"JOIN resources {name} ON {name}.id = {child}.parent_id")
        alias[ResourceLevel(lvl)] = name
        child = name
    for i, c in enumerate(query.constraints):
        if c.level > level:
            where.append(_descendant_exists(c, level, params))
            continue
        t = f"t{i}"
        joins.append(f"JOIN main_dicom_tags {t} ON {t}.resource_id = {alias[c.level]}.id AND {_condition(t, c, join_params)}")
    _labels(query, where, params)
    # "+a.id": sorting on an expression keeps the planner from walking the whole
    # level in ID order when a tag index is the selective way in.
    order = "+a.id" if query.constraints else "a.id"
    sql = f"SELECT a.id FROM resources a {' '.join(joins)} WHERE {' AND '.join(where)} ORDER BY {order}"
    all_params = join_params + params
    if query.limit or query.since:
        sql += " LIMIT ? OFFSET ?"
        all_params += [query.limit or -1, query.since]
    return sql, all_params


def find(conn: sqlite3.Connection, query: IndexFind) -> list[int]:
    """The internal IDs answering ``query`` (see :class:`~donjon.find.model.IndexFind`)."""
    _register(conn)
    sql, params = build_sql(query)
    return [row[0] for row in conn.execute(sql, params)]
