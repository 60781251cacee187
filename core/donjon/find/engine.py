"""Run a ``/tools/find``: constraints placed on index levels, SQL, then the files if needed.

Orthanc's rules (1.10.1, checked against it in ``tests/core/test_oracle_find.py``):

- a main tag of the find's level or of an upper level is matched in the index
  (patient tags of a study-or-deeper find on the study row, where ingest copies them);
- a main tag of a *lower* level never matches (``Modality`` on a study find), except
  ``ModalitiesInStudy``, which is ``Modality`` on some child series;
- any other tag is read from one instance file of each candidate
  (``StorageAccessOnFind: Always``); with ``Never``/``Answers`` it cannot match;
- ``Since``/``Limit`` count matching resources, in internal ID order; ``LimitFindResults``
  (``LimitFindInstances`` for instances) caps the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ..dicom.header import read_dataset
from ..dicom.main_tags import MAIN_TAGS, PATIENT_TAGS, format_tag
from ..enums import ResourceLevel
from ..index import IndexTransaction, Resource
from ..resources import TagFormat, expand_many, main_tags_with_ancestors
from .computed import computed_tag
from .constraints import parse_constraint
from .matching import compile_constraint
from .model import IndexFind, TagConstraint
from .request import FindRequest, QueryItem

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from ..server import Server

__all__ = ["FileConstraint", "FindPlan", "plan_find", "run_find"]


class FileConstraint(msgspec.Struct, frozen=True):
    """A constraint on a tag that only the DICOM files hold."""

    tag: int
    constraint: TagConstraint


class FindPlan(msgspec.Struct, kw_only=True):
    """What the index answers and what the files must confirm."""

    index: IndexFind
    files: list[FileConstraint]
    impossible: bool = False


def _main_level(keyword: str, level: ResourceLevel) -> ResourceLevel | None:
    """The row level holding ``keyword`` for a find at ``level`` (None: not a main tag there or above)."""
    for candidate in range(int(level), 0, -1):
        if keyword in MAIN_TAGS[ResourceLevel(candidate)]:
            found = ResourceLevel(candidate)
            if found is ResourceLevel.PATIENT and keyword in PATIENT_TAGS and level >= ResourceLevel.STUDY:
                return ResourceLevel.STUDY  # copied on study rows by ingest: one join less
            return found
    return None


def _is_lower_main_tag(keyword: str, level: ResourceLevel) -> bool:
    return any(keyword in MAIN_TAGS[lvl] for lvl in ResourceLevel if lvl > level)


def plan_find(request: FindRequest, *, cap: int = 0) -> FindPlan:
    """Place each ``Query`` entry on the index or on the files.

    Args:
        request: The validated request.
        cap: At most this many candidates from the index (0: no cap), before ``Since``.
    """
    level = request.level
    index_constraints: list[TagConstraint] = []
    files: list[FileConstraint] = []
    impossible = False
    for item in request.query:
        keyword = item.keyword
        target = _main_level(keyword, level)
        if keyword == "ModalitiesInStudy" and level is ResourceLevel.STUDY:
            keyword, target = "Modality", ResourceLevel.SERIES
        constraint = parse_constraint(item.tag, keyword, item.value, level=target or level, case_sensitive=request.case_sensitive)
        if constraint is None:
            continue
        if target is not None:
            index_constraints.append(constraint)
        elif _is_lower_main_tag(keyword, level):
            impossible = True  # Orthanc: a lower level's main tag is absent from the resource
        else:
            files.append(FileConstraint(item.tag, constraint))
    # Paging goes to the index when it alone decides; otherwise it is counted here.
    paged = not files and not cap
    index = IndexFind(
        level=level,
        constraints=tuple(index_constraints),
        labels=tuple(request.labels),
        labels_constraint=request.labels_constraint,
        since=request.since if paged else 0,
        limit=request.limit if paged else cap,
    )
    return FindPlan(index=index, files=files, impossible=impossible)


def _candidate_cap(server: Server, level: ResourceLevel) -> int:
    """How many candidates the index may return: ``LimitFindResults`` (or ``...Instances``) + 1.

    Orthanc 1.10.1 asks its database for one resource more than the limit (to tell a
    C-FIND that answers are incomplete) and ``/tools/find`` then answers all of them
    that match: with ``LimitFindResults: 2``, up to 3 resources. We answer the same.
    """
    cfg = server.config.core
    limit = cfg.limit_find_instances if level is ResourceLevel.INSTANCE else cfg.limit_find_results
    return limit + 1 if limit else 0


def _one_instance(tx: IndexTransaction, resource: Resource) -> str | None:
    current = resource
    while current.level is not ResourceLevel.INSTANCE:
        children = tx.children(current.internal_id)
        if not children:
            return None
        current = children[0]
    return current.public_id


def dataset_text(ds: Dataset, tag: int) -> str | None:
    """A tag of a parsed file as Orthanc's text (``\\``-joined values), None if absent or a sequence."""
    from ..dicom.header import element_text

    if tag not in ds:
        return None
    elem = ds[tag]
    if elem.VR == "SQ":
        return None
    if elem.keyword:
        return element_text(ds, elem.keyword)
    value = elem.value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1").rstrip("\0 ")
    return str(value).strip()


def _read_header(server: Server, instance_id: str) -> Dataset | None:
    try:
        return read_dataset(server.read_dicom(instance_id), stop_before_pixels=True)
    except Exception:  # a missing or damaged file makes a resource not match, as in Orthanc
        return None


def _matches_files(server: Server, instance: str | None, checks: list[tuple[int, Any]]) -> bool:
    ds = _read_header(server, instance) if instance else None
    return ds is not None and all(check(dataset_text(ds, tag)) for tag, check in checks)


def _page(server: Server, resources: list[Resource], instances: list[str | None], plan: FindPlan, since: int, limit: int) -> list[Resource]:
    """Confirm candidates on their files (if needed), then skip ``since`` and keep ``limit``."""
    if plan.files and server.config.core.storage_access_on_find != "Always":
        return []  # Orthanc may not read the files to filter: such tags cannot match
    checks = [(f.tag, compile_constraint(f.constraint)) for f in plan.files]
    out: list[Resource] = []
    skipped = 0
    for i, resource in enumerate(resources):
        if checks and not _matches_files(server, instances[i], checks):
            continue
        if skipped < since:
            skipped += 1
            continue
        out.append(resource)
        if limit and len(out) >= limit:
            break
    return out


def run_find(server: Server, request: FindRequest) -> list[Any]:
    """The answer of ``/tools/find``: public IDs, or expanded resources with ``Expand``."""
    plan = plan_find(request, cap=_candidate_cap(server, request.level))
    if plan.impossible:
        return []
    with server.index.read() as tx:
        resources = [tx.get(i) for i in tx.find(plan.index)]
        instances = [_one_instance(tx, r) for r in resources] if plan.files else []
    if plan.files or plan.index.since != request.since or plan.index.limit != request.limit:
        resources = _page(server, resources, instances, plan, request.since, request.limit)
    if not request.expand:
        return [r.public_id for r in resources]
    with server.index.read() as tx:
        answers = expand_many(server, tx, resources, request.tag_format)
        if request.requested_tags:
            wanted = [_requested(server, tx, r, request.requested_tags) for r in resources]
        else:
            wanted = []
    for i, answer in enumerate(answers):
        if request.requested_tags:
            answer["RequestedTags"] = _format_requested(wanted[i][0], request.tag_format)
    if request.requested_tags and any(missing for _, missing in wanted):
        _fill_from_files(server, answers, resources, wanted, request)
    return answers


def _requested(server: Server, tx: IndexTransaction, resource: Resource, tags: list[QueryItem]) -> tuple[dict[QueryItem, str], list[QueryItem]]:
    """Requested tags found in the index (computed or main tags of the resource and its ancestors), and those missing."""
    known = main_tags_with_ancestors(tx, resource)
    found: dict[QueryItem, str] = {}
    missing: list[QueryItem] = []
    for item in tags:
        value = computed_tag(tx, resource, item.keyword)
        if value is None:
            value = known.get(item.keyword)
        if value is None:
            missing.append(item)
        else:
            found[item] = value
    return found, missing


def _fill_from_files(server: Server, answers: list[dict[str, Any]], resources: list[Resource], wanted: list[Any], request: FindRequest) -> None:
    # "Answers" and "Always" may read the storage to build answers; "Never" may not.
    if server.config.core.storage_access_on_find == "Never":
        return
    with server.index.read() as tx:
        instances = [_one_instance(tx, r) if wanted[i][1] else None for i, r in enumerate(resources)]
    for i, instance in enumerate(instances):
        if instance is None:
            continue
        ds = _read_header(server, instance)
        if ds is None:
            continue
        found, missing = wanted[i]
        for item in missing:
            value = dataset_text(ds, item.tag)
            if value is not None:
                found[item] = value
        answers[i]["RequestedTags"] = _format_requested(found, request.tag_format)


def _format_requested(found: dict[QueryItem, str], fmt: TagFormat) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item, value in found.items():
        if fmt is TagFormat.HUMAN:
            out[item.keyword] = value
        elif fmt is TagFormat.SHORT:
            out[format_tag(item.tag)] = value
        else:
            out[format_tag(item.tag)] = {"Name": item.keyword, "Type": "String", "Value": value}
    return out
