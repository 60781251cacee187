"""The members of a ZIP or media archive, read from storage one instance at a time."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..enums import MetadataType
from ..errors import DonjonError, ErrorCode
from .media import DicomdirBuilder, media_file_id
from .plan import ArchivePlan

if TYPE_CHECKING:
    from ..jobs import JobContext
    from ..server import Server

__all__ = ["ArchiveOptions", "check_transcoding", "iter_members"]

log = logging.getLogger(__name__)


class ArchiveOptions:
    """What kind of archive: plain ZIP or DICOMDIR media, extended or not, transcoded or not."""

    def __init__(self, *, media: bool = False, extended: bool = False, transcode: str = "") -> None:
        self.media = media
        self.extended = extended
        self.transcode = transcode


def check_transcoding(server: Server, plan: ArchivePlan, syntax: str) -> None:
    """Fail before anything is sent if ``Transcode`` cannot be honoured.

    Raises:
        DonjonError: ``ParameterOutOfRange`` for a UID that is no transfer syntax;
            ``NotImplemented`` if an instance needs transcoding and no plugin implements
            ``donjon_transcode`` (the imaging work provides one).
    """
    from pydicom.uid import UID

    if not UID(syntax).is_transfer_syntax:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"unknown transfer syntax in Transcode: {syntax!r}")
    if server.plugins.hook.donjon_transcode.get_hookimpls():
        return
    with server.index.read() as tx:
        for item in plan.items:
            resource = tx.lookup(item.instance_id)
            current = tx.metadata(resource.internal_id).get(MetadataType.TransferSyntax) if resource else None
            if current != syntax:
                raise DonjonError(ErrorCode.NotImplemented, f"no transcoder is installed to convert instance {item.instance_id} to {syntax}")


def iter_members(server: Server, plan: ArchivePlan, options: ArchiveOptions, ctx: JobContext | None = None) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of every member, DICOMDIR last for media; progress and checkpoints per instance.

    An instance deleted since the plan was made is left out (logged): the archive is
    already on its way to the client and cannot turn into an error any more.
    """
    builder = DicomdirBuilder(options.extended) if options.media else None
    total = len(plan.items) or 1
    for index, item in enumerate(plan.items):
        if ctx is not None:
            ctx.checkpoint()
        try:
            data = server.read_dicom(item.instance_id)
        except DonjonError as exc:
            if exc.code not in (ErrorCode.UnknownResource, ErrorCode.InexistentItem, ErrorCode.InexistentFile):
                raise
            log.warning("instance %s left out of the archive: %s", item.instance_id, exc)
            continue
        if options.transcode:
            data = _transcode(server, item.instance_id, data, options.transcode)
        name = item.path
        if builder is not None:
            name = media_file_id(builder.count)
            builder.add(_header(data), name)
        yield name, data
        if ctx is not None:
            ctx.set_progress((index + 1) / total)
    if builder is not None:
        yield "DICOMDIR", builder.build()


def _header(data: bytes) -> object:
    import pydicom

    return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)


def _transcode(server: Server, instance_id: str, data: bytes, syntax: str) -> bytes:
    header = _header(data)
    meta = getattr(header, "file_meta", None)
    if meta is not None and str(meta.get("TransferSyntaxUID", "")) == syntax:
        return data
    result = server.plugins.first("donjon_transcode", data=data, transfer_syntaxes=[syntax], allow_new_sop_instance=False)
    if result is None:
        raise DonjonError(ErrorCode.NotImplemented, f"cannot transcode instance {instance_id} to {syntax}")
    return bytes(result)
