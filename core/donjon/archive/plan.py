"""Which instances an archive holds, in which order, under which names.

Orthanc expands every requested resource (patient, study, series or instance) into
its whole branch — a requested series still sits in its patient and study folders —
and walks the tree with patients, studies and series sorted by Orthanc ID
(``ArchiveJob``'s ``std::map``) and instances in index order. The plan is made in
one read transaction before anything is sent, so that an unknown ID is a clean 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from ..enums import FileContentType, ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..index import IndexTransaction, Resource
from .naming import UniqueNames, folder_name, instance_file_name

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["ArchiveItem", "ArchivePlan", "make_plan"]


class ArchiveItem(msgspec.Struct, frozen=True):
    """One instance of the archive: its Orthanc ID, its path in the ZIP and its size."""

    instance_id: str
    path: str
    size: int


class ArchivePlan(msgspec.Struct, frozen=True):
    """The instances of an archive, in the order they are written."""

    items: list[ArchiveItem]

    @property
    def uncompressed_size(self) -> int:
        return sum(item.size for item in self.items)


class _Node:
    """A patient, study or series of the requested tree; ``None`` children mean "all of them"."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.children: dict[str, _Node] = {}
        self.instances: dict[str, Resource] = {}
        self.complete = False


def make_plan(server: Server, resource_ids: Iterable[str]) -> ArchivePlan:
    """Resolve Orthanc IDs of any level into the archive's instances and paths.

    Raises:
        DonjonError: ``UnknownResource`` (404) if an ID names nothing.
    """
    with server.index.read() as tx:
        roots: dict[str, _Node] = {}
        for public_id in resource_ids:
            resource = tx.lookup(public_id)
            if resource is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no patient, study, series or instance {public_id}")
            _add_branch(tx, roots, resource)
        items: list[ArchiveItem] = []
        patient_names = UniqueNames()
        for patient_id in sorted(roots):
            _walk(tx, roots[patient_id], patient_names, "", items)
    return ArchivePlan(items)


def _add_branch(tx: IndexTransaction, roots: dict[str, _Node], resource: Resource) -> None:
    chain = [resource]
    while chain[-1].parent_id is not None:
        chain.append(tx.get(chain[-1].parent_id))  # type: ignore[arg-type]
    chain.reverse()  # patient first
    nodes = roots
    node: _Node | None = None
    for ancestor in chain:
        if ancestor.level is ResourceLevel.INSTANCE:
            assert node is not None
            node.instances[ancestor.public_id] = ancestor
            return
        node = nodes.setdefault(ancestor.public_id, _Node(ancestor))
        nodes = node.children
    assert node is not None
    node.complete = True


def _walk(tx: IndexTransaction, node: _Node, names: UniqueNames, prefix: str, items: list[ArchiveItem]) -> None:
    level = node.resource.level
    tags = tx.main_tags(node.resource.internal_id)
    folder = prefix + names.add(folder_name(level, tags)) + "/"
    if level is ResourceLevel.SERIES:
        instances = tx.children(node.resource.internal_id) if node.complete else sorted(node.instances.values(), key=lambda r: r.internal_id)
        files = UniqueNames()
        modality = tags.get("Modality", "")
        for counter, instance in enumerate(instances):
            dicom = tx.attachments(instance.internal_id).get(FileContentType.Dicom)
            size = dicom.uncompressed_size if dicom is not None else 0
            items.append(ArchiveItem(instance.public_id, folder + files.add(instance_file_name(modality, counter)), size))
        return
    children = node.children
    if node.complete:
        # The whole resource was asked for: every child, whatever else was asked.
        for child in tx.children(node.resource.internal_id):
            existing = children.get(child.public_id)
            if existing is None:
                children[child.public_id] = existing = _Node(child)
            existing.complete = True
    child_names = UniqueNames()
    for child_id in sorted(children):
        _walk(tx, children[child_id], child_names, folder, items)
