"""Transcoding DICOM files to another transfer syntax (Book faq/transcoding.rst).

The built-in encoders: the four uncompressed syntaxes (implicit and explicit little
endian, explicit big endian, deflated), RLE Lossless (pydicom), JPEG 2000 lossless and
lossy (pylibjpeg-openjpeg through pydicom), and JPEG baseline for 8-bit images (Pillow).
JPEG lossless and JPEG-LS have no encoder among our dependencies: a plugin can provide
them through ``donjon_transcode``, which is asked first (Orthanc's default
``BuiltinDecoderTranscoderOrder: After``).

As in Orthanc's ``DcmtkTranscoder``: among several allowed syntaxes the uncompressed
ones are preferred, a file already in an allowed syntax is returned as it is, and lossy
targets are used only when a new SOP Instance UID is allowed (the file gets one).
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DonjonError, ErrorCode

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from ..server import Server

__all__ = ["SUPPORTED", "transcode", "transcode_instance"]

log = logging.getLogger(__name__)

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
RLE = "1.2.840.10008.1.2.5"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"

_UNCOMPRESSED = (IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE)
_LOSSY = (JPEG_BASELINE, J2K)
#: Every syntax the built-in encoders write, in Orthanc's order of preference.
SUPPORTED = (*_UNCOMPRESSED, JPEG_BASELINE, RLE, J2K_LOSSLESS, J2K)


def _read(data: bytes) -> Dataset:
    import pydicom

    return pydicom.dcmread(io.BytesIO(data), force=True)


def _little_endian_pixels(ds: Dataset) -> None:
    """Native big endian pixel data as little endian bytes (8-bit OW words are swapped too)."""
    from pydicom.pixels import get_decoder, pack_bits

    arr, _meta = get_decoder(EXPLICIT_BE).as_array(ds, raw=True)
    if int(ds.BitsAllocated) == 1:
        ds.PixelData = pack_bits(arr)
    else:
        ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OB" if int(ds.BitsAllocated) <= 8 else "OW"
    if int(ds.get("SamplesPerPixel") or 1) > 1:
        ds.PlanarConfiguration = 0  # the decoder gives interleaved samples


def _big_endian_pixels(ds: Dataset) -> None:
    """Little endian native pixel data as big endian: words swapped, 8-bit data as OB (no swap)."""
    bits = int(ds.get("BitsAllocated") or 8)
    if "PixelData" not in ds:
        return
    if bits in (16, 32, 64):
        ds.PixelData = np.frombuffer(ds.PixelData, dtype=f"<u{bits // 8}").astype(f">u{bits // 8}").tobytes()
        ds["PixelData"].VR = "OW"
    elif bits == 8:
        ds["PixelData"].VR = "OB"
    else:
        raise ValueError(f"cannot write {bits}-bit pixel data in big endian")


def _reencode(ds: Dataset, implicit: bool, little: bool) -> None:
    """Let pydicom write a dataset in another endianness: parse every element first."""
    for _element in ds.iterall():
        pass
    ds.set_original_encoding(implicit, little, ds.original_character_set)


def _new_sop_instance(ds: Dataset, method: str, ratio: float) -> None:
    """A lossy copy is a new instance (PS3.3 C.7.6.1.1.5): new UID, lossy compression recorded."""
    from pydicom.uid import generate_uid

    uid = generate_uid()
    ds.SOPInstanceUID = uid
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionMethod = method
    ds.LossyImageCompressionRatio = f"{ratio:.2f}"[:16]


def _jpeg_baseline(ds: Dataset, quality: int) -> None:
    """Encode 8-bit frames as JPEG baseline with Pillow (RGB becomes YBR_FULL_422)."""
    from PIL import Image
    from pydicom.encaps import encapsulate
    from pydicom.pixels import iter_pixels

    eight_bits = int(ds.BitsAllocated) == 8 and int(ds.get("BitsStored", 8)) == 8
    if not eight_bits or ds.PhotometricInterpretation not in ("MONOCHROME1", "MONOCHROME2", "RGB"):
        raise ValueError("JPEG baseline holds 8-bit grayscale or RGB images only")
    source_size = len(ds.PixelData)
    frames = []
    for frame in iter_pixels(ds):
        out = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(frame)).save(out, format="JPEG", quality=quality, subsampling=1)  # 4:2:2
        frames.append(out.getvalue())
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    if ds.PhotometricInterpretation == "RGB":
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.PlanarConfiguration = 0
    ds.file_meta.TransferSyntaxUID = JPEG_BASELINE
    _new_sop_instance(ds, "ISO_10918_1", source_size / max(sum(len(f) for f in frames), 1))


def _encode(data: bytes, target: str, quality: int) -> bytes:
    """One attempt at ``target``; raises when the image does not fit the encoder."""
    from pydicom.uid import UID

    ds = _read(data)
    source = UID(str(ds.file_meta.get("TransferSyntaxUID", IMPLICIT_LE)))
    if "PixelData" in ds and source.is_compressed:
        # native little endian, YBR converted to RGB; pydicom would also change the UID
        ds.decompress(generate_instance_uid=False)
        source = UID(EXPLICIT_LE)
    if source == EXPLICIT_BE and target != EXPLICIT_BE:
        if "PixelData" in ds:
            _little_endian_pixels(ds)
        # pydicom refuses to change the endianness of a dataset read in the other one
        _reencode(ds, False, True)
        source = UID(EXPLICIT_LE)
    if target in _UNCOMPRESSED:
        if target == EXPLICIT_BE and source != EXPLICIT_BE:
            _big_endian_pixels(ds)
            _reencode(ds, False, False)
        ds.file_meta.TransferSyntaxUID = target
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True, implicit_vr=target == IMPLICIT_LE, little_endian=target != EXPLICIT_BE)
        return out.getvalue()
    if "PixelData" not in ds:
        raise ValueError("no pixel data to compress")
    ds.file_meta.TransferSyntaxUID = EXPLICIT_LE
    if target == JPEG_BASELINE:
        _jpeg_baseline(ds, quality)
    elif target == J2K:
        source_size = len(ds.PixelData)
        # quality 90 (Orthanc's default) → ratio 5.5: ~45-55 dB PSNR on CT and MR
        ds.compress(J2K, j2k_cr=[1 + (100 - quality) * 0.45], generate_instance_uid=False)
        _new_sop_instance(ds, "ISO_15444_1", source_size / max(len(ds.PixelData), 1))
    else:
        ds.compress(target, generate_instance_uid=False)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def transcode(data: bytes, transfer_syntaxes: list[str], allow_new_sop_instance: bool, quality: int = 90) -> bytes | None:
    """The file in one of ``transfer_syntaxes``, or None when no built-in encoder can.

    Args:
        data: A DICOM file.
        transfer_syntaxes: The acceptable targets.
        allow_new_sop_instance: Whether lossy targets (which change the SOP Instance UID) may be used.
        quality: JPEG quality and J2K compression level, 1-100 (``DicomLossyTranscodingQuality``).
    """
    ds = _read(data)
    if str(ds.file_meta.get("TransferSyntaxUID", "")) in transfer_syntaxes:
        return data
    for target in SUPPORTED:
        if target not in transfer_syntaxes or (target in _LOSSY and not allow_new_sop_instance):
            continue
        try:
            return _encode(data, target, quality)
        except Exception as exc:  # an image the encoder does not take: try the next syntax
            log.info("cannot transcode to %s: %s: %s", target, type(exc).__name__, exc)
    return None


def transcode_instance(server: Server, public_id: str, data: bytes, syntax: str, allow_new_sop_instance: bool = True) -> bytes:
    """Transcode an instance's file: the plugins first, then the built-in encoders.

    Raises:
        DonjonError: ``ParameterOutOfRange`` for a UID that is no transfer syntax,
            ``NotImplemented`` when nobody can transcode this file to ``syntax``.
    """
    from pydicom.uid import UID

    if not UID(syntax).is_transfer_syntax:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"unknown transfer syntax: {syntax}")
    answer = server.plugins.first(
        "donjon_transcode", data=data, transfer_syntaxes=[syntax], allow_new_sop_instance=allow_new_sop_instance
    )
    if answer is None:
        answer = transcode(data, [syntax], allow_new_sop_instance, server.config.core.dicom_lossy_transcoding_quality)
    if answer is None:
        raise DonjonError(ErrorCode.NotImplemented, f"cannot transcode instance {public_id} to transfer syntax {syntax}")
    return bytes(answer)
