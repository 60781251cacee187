"""STOW-RS (PS3.18 10.5): ``POST {root}studies`` and ``{root}studies/{uid}``.

Each ``application/dicom`` part goes through ``server.store`` like any upload. The
answer is Orthanc's: ``ReferencedSOPSequence`` for stored (or already stored)
instances, ``FailedSOPSequence`` with ``FailureReason`` for the others; a part that
is not DICOM is left out of both (it has no UIDs to report) and makes the answer
400; an instance of another study than the path's is refused with 0x0110 and makes
it 409; otherwise 200. Good instances are kept whatever happens to the others.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

from donjon_sdk import DonjonError, ErrorCode, Origin, OriginKind, read_dataset

from .multipart import parse_multipart

if TYPE_CHECKING:
    from donjon_sdk import Server

__all__ = ["StowResult", "stow"]

log = logging.getLogger(__name__)

#: FailureReason values (PS3.4 Annex B.2.3, as Orthanc sends them).
PROCESSING_FAILURE = 0x0110
OUT_OF_RESOURCES = 0xA700
CANNOT_UNDERSTAND = 0xC000


class StowResult:
    """The status and DICOM JSON answer of one STOW-RS request."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def _ui(value: str) -> dict[str, Any]:
    return {"vr": "UI", "Value": [value]} if value else {"vr": "UI"}


def _sequence(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"vr": "SQ", "Value": items} if items else {"vr": "SQ"}


def stow(server: Server, body: bytes, content_type: str, base: str, study_uid: str | None, origin: Origin | None = None) -> StowResult:
    """Store every DICOM part of a STOW-RS request.

    Args:
        server: The server.
        body: The request body.
        content_type: Its ``Content-Type``.
        base: Absolute root URL, for the RetrieveURLs.
        study_uid: The study of the path, if any: instances of other studies are refused.
        origin: Where the request came from.

    Raises:
        DonjonError: 415 for a body that is not multipart/related, 400 for a malformed one.
    """
    origin = origin or Origin(kind=OriginKind.RestApi)
    parts = parse_multipart(body, content_type)
    referenced: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    bad_syntax = False
    first_study = study_uid
    for index, part in enumerate(parts):
        part_type = part.headers.get("content-type", "application/dicom").split(";")[0].strip().lower()
        if part_type not in ("application/dicom", ""):
            log.info("STOW-RS: part %d ignored, its type is %s", index + 1, part_type)
            bad_syntax = True
            continue
        try:
            with warnings.catch_warnings():  # pydicom warns while guessing at bytes that are no DICOM
                warnings.simplefilter("ignore")
                ds = read_dataset(part.content, stop_before_pixels=True)
            sop_class = str(ds.get("SOPClassUID", ""))
            sop_uid = str(ds.get("SOPInstanceUID", ""))
            instance_study = str(ds.get("StudyInstanceUID", ""))
            series_uid = str(ds.get("SeriesInstanceUID", ""))
        except Exception:  # not DICOM: nothing to report it with, as Orthanc
            sop_uid = ""
        if not sop_uid:
            # pydicom reads many byte strings as a bare dataset: without a SOP Instance UID it is not an instance.
            log.info("STOW-RS: part %d is not a DICOM instance", index + 1)
            bad_syntax = True
            continue
        if study_uid is not None and instance_study != study_uid:
            failed.append({"00081150": _ui(sop_class), "00081155": _ui(sop_uid), "00081197": {"vr": "US", "Value": [PROCESSING_FAILURE]}})
            continue
        try:
            result = server.store(part.content, origin)
        except DonjonError as exc:
            reason = OUT_OF_RESOURCES if exc.code is ErrorCode.FullStorage else CANNOT_UNDERSTAND if exc.code is ErrorCode.BadFileFormat else PROCESSING_FAILURE
            log.info("STOW-RS: instance %s refused: %s", sop_uid, exc)
            failed.append({"00081150": _ui(sop_class), "00081155": _ui(sop_uid), "00081197": {"vr": "US", "Value": [reason]}})
            continue
        if result.status == "FilteredOut":
            failed.append({"00081150": _ui(sop_class), "00081155": _ui(sop_uid), "00081197": {"vr": "US", "Value": [PROCESSING_FAILURE]}})
            continue
        first_study = first_study or instance_study
        url = f"{base}/studies/{instance_study}/series/{series_uid}/instances/{sop_uid}"
        referenced.append({"00081150": _ui(sop_class), "00081155": _ui(sop_uid), "00081190": {"vr": "UR", "Value": [url]}})
    answer: dict[str, Any] = {"00080005": {"vr": "CS", "Value": ["ISO_IR 100"]}}
    if first_study:
        answer["00081190"] = {"vr": "UR", "Value": [f"{base}/studies/{first_study}"]}
    answer["00081198"] = _sequence(failed)
    answer["00081199"] = _sequence(referenced)
    status = 400 if bad_syntax else 409 if failed else 200
    return StowResult(status, answer)
