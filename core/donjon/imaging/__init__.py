"""Imaging: decoding every transfer syntax, previews, rendered frames, raw pixels.

``decode`` reads frames into numpy arrays (pydicom + pylibjpeg, plugins through
``donjon_decode_frame``), ``render`` turns them into PNG/JPEG/PAM images, ``cache``
keeps the hot ones, ``arrays`` and ``slices`` serve the numpy and ordered-slices routes.
"""

from __future__ import annotations

__all__: list[str] = []
