"""ZIP archives and DICOMDIR media of patients, studies, series and instances."""

from __future__ import annotations

from .builder import ArchiveOptions, check_transcoding, iter_members
from .plan import ArchiveItem, ArchivePlan, make_plan
from .zipstream import ChunkSink, ZipWriter

__all__ = ["ArchiveItem", "ArchiveOptions", "ArchivePlan", "ChunkSink", "ZipWriter", "check_transcoding", "iter_members", "make_plan"]
