"""The stable surface for Donjon plugin authors.

Plugins import from here only; everything else in ``donjon`` may change between
versions. ``__all__`` is snapshotted by the test suite: additions are free,
removals go through a deprecation.
"""

from __future__ import annotations

from donjon.config import Config
from donjon.dicom.header import ParsedInstance as IncomingInstance
from donjon.dicom.header import read_dataset
from donjon.enums import ChangeType, FileContentType, MetadataType, OriginKind, ResourceLevel, StoreStatus
from donjon.errors import DonjonError, ErrorCode
from donjon.find.engine import run_find
from donjon.find.request import FindRequest, QueryItem, parse_tag_name
from donjon.hookspecs import hookimpl
from donjon.index import IndexBackend, IndexTransaction
from donjon.jobs import Job, JobContext, JobOutput, JobState, JobStopped
from donjon.lru import ByteBoundedLru
from donjon.rest.deps import FromPath, FromQuery, ServerDep
from donjon.server import Server
from donjon.stash import StashKey
from donjon.storage import StorageArea
from donjon.types import Change, Identity, Origin, PluginInfo, Refusal, StoredInstance

__version__ = "0.1.0"

__all__ = [
    "ByteBoundedLru",
    "Change",
    "ChangeType",
    "Config",
    "DonjonError",
    "ErrorCode",
    "FileContentType",
    "FindRequest",
    "FromPath",
    "FromQuery",
    "Identity",
    "IncomingInstance",
    "IndexBackend",
    "IndexTransaction",
    "Job",
    "JobContext",
    "JobOutput",
    "JobState",
    "JobStopped",
    "MetadataType",
    "Origin",
    "OriginKind",
    "PluginInfo",
    "QueryItem",
    "Refusal",
    "ResourceLevel",
    "Server",
    "ServerDep",
    "StashKey",
    "StorageArea",
    "StoreStatus",
    "StoredInstance",
    "hookimpl",
    "parse_tag_name",
    "read_dataset",
    "run_find",
]
