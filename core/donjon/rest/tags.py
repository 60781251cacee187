"""Routes that show DICOM tags: ``/instances/{id}/tags``, ``/header``, ``/content``,
``/{level}/{id}/shared-tags``, ``/module``, ``/module-patient``, ``/instances-tags``.

Formats follow Orthanc's ``GetDicomFormat``: the mere presence of ``?simplify`` (then
``?short``, then ``?full``) chooses it, whatever its value. ``?ignore-length=`` takes a
comma-separated list of tags, each written ``0010-0010``, ``00100010`` or a name
(a comma inside a tag splits it, as in Orthanc, and gives ``Unknown DICOM tag``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from ..dicom.content import content_at
from ..dicom.dictionary import parse_tag
from ..dicom.json_tags import JsonFormat, read_raw
from ..dicom.main_tags import format_tag
from ..dicom.modules import MODULE_TAGS
from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..instance_tags import child_instances, format_tags, instance_file, instance_tags
from ..server import Server
from .deps import FromPath, ServerDep

__all__ = ["ROUTES"]


def dicom_format(request: Request[Any, Any, Any], default: JsonFormat = JsonFormat.FULL) -> JsonFormat:
    """Orthanc's ``GetDicomFormat``: ``simplify``, else ``short``, else ``full``, by presence."""
    params = request.query_params
    if "simplify" in params:
        return JsonFormat.SIMPLIFY
    if "short" in params:
        return JsonFormat.SHORT
    if "full" in params:
        return JsonFormat.FULL
    return default


def ignore_length(request: Request[Any, Any, Any]) -> frozenset[int]:
    """The tags of ``?ignore-length=``, exempt from the 256-byte limit.

    Raises:
        DonjonError: ``UnknownDicomTag`` for a token that is not a tag.
    """
    if "ignore-length" not in request.query_params:
        return frozenset()
    text = request.query_params.get("ignore-length") or ""
    return frozenset(parse_tag(token) for token in text.split(","))


# -- one instance -----------------------------------------------------------------


@get("/instances/{public_id:str}/tags", sync_to_thread=True)
def get_tags(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
    """The tags of an instance (full format unless ``?simplify`` / ``?short``)."""
    cached = instance_tags(server, public_id, ignore_length(request))
    return format_tags(cached.tags, dicom_format(request))


@get("/instances/{public_id:str}/simplified-tags", sync_to_thread=True)
def get_simplified_tags(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
    """The same as ``/tags?simplify``."""
    cached = instance_tags(server, public_id, ignore_length(request))
    return format_tags(cached.tags, JsonFormat.SIMPLIFY)


@get("/instances/{public_id:str}/header", sync_to_thread=True)
def get_header(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
    """The file meta information (group 0002) of an instance."""
    return format_tags(instance_tags(server, public_id).header, dicom_format(request))


@get("/instances/{public_id:str}/content", sync_to_thread=True)
def get_content_root(server: ServerDep, public_id: FromPath[str]) -> Any:
    """The tags at the top of the dataset, ``gggg-eeee``."""
    return _content(server, public_id, [])


@get("/instances/{public_id:str}/content/{path:path}", sync_to_thread=True)
def get_content(server: ServerDep, public_id: FromPath[str], path: FromPath[str]) -> Any:
    """A sequence's items, an item's tags, or the raw value of a leaf (``application/octet-stream``)."""
    return _content(server, public_id, [part for part in path.split("/") if part])


def _content(server: Server, public_id: str, path: list[str]) -> Any:
    _info, data = instance_file(server, public_id)
    answer = content_at(read_raw(data), path)
    if answer is None:
        return Response(content=b"", status_code=404)  # Orthanc answers nothing: an empty 404
    if isinstance(answer, bytes):
        return Response(content=answer, media_type="application/octet-stream")
    return answer


# -- many instances -----------------------------------------------------------------


def _shared_tags(server: Server, public_id: str) -> dict[str, Any]:
    """Orthanc's ``ExtractSharedTags``: the ``String`` tags equal in every child instance."""
    shared: dict[str, Any] | None = None
    for instance in child_instances(server, public_id):
        try:
            tags = instance_tags(server, instance).tags
        except DonjonError as exc:
            if exc.code is ErrorCode.UnknownResource:
                continue  # deleted meanwhile: Orthanc skips it too
            raise
        if shared is None:
            shared = {k: v for k, v in tags.items() if v["Type"] == "String"}
        else:
            shared = {k: v for k, v in shared.items() if tags.get(k) == v}
    return shared or {}


def _module(server: Server, public_id: str, level: ResourceLevel, module: ResourceLevel, ignore: frozenset[int]) -> dict[str, Any]:
    """The tags of ``module`` in the first child instance (Orthanc's ``GetModuleInternal``)."""
    if level is ResourceLevel.INSTANCE:
        instance = public_id
    else:
        instances = child_instances(server, public_id)
        if not instances:
            return {}
        instance = instances[0]
    tags = instance_tags(server, instance, ignore).tags
    return {key: tags[key] for key in (format_tag(t) for t in MODULE_TAGS[module]) if key in tags}


def _level_routes(level: ResourceLevel) -> list[Any]:
    prefix = f"/{level.plural}/{{public_id:str}}"
    name = level.plural
    routes: list[Any] = []

    @get(f"{prefix}/module", sync_to_thread=True, name=f"{name}-module")
    def module(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
        return format_tags(_module(server, public_id, level, level, ignore_length(request)), dicom_format(request))

    routes.append(module)
    if level is ResourceLevel.INSTANCE:
        return routes

    @get(f"{prefix}/shared-tags", sync_to_thread=True, name=f"{name}-shared-tags")
    def shared_tags(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
        return format_tags(_shared_tags(server, public_id), dicom_format(request))

    @get(f"{prefix}/instances-tags", sync_to_thread=True, name=f"{name}-instances-tags")
    def instances_tags(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
        fmt, ignore = dicom_format(request), ignore_length(request)
        answer = {i: format_tags(instance_tags(server, i, ignore).tags, fmt) for i in child_instances(server, public_id)}
        return dict(sorted(answer.items()))  # JsonCpp sorts the keys

    routes += [shared_tags, instances_tags]
    if level is ResourceLevel.STUDY:

        @get(f"{prefix}/module-patient", sync_to_thread=True, name="studies-module-patient")
        def module_patient(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
            fmt = dicom_format(request)
            return format_tags(_module(server, public_id, level, ResourceLevel.PATIENT, ignore_length(request)), fmt)

        routes.append(module_patient)
    return routes


ROUTES = [get_tags, get_simplified_tags, get_header, get_content_root, get_content]
for _level in ResourceLevel:
    ROUTES += _level_routes(_level)
