"""Text of DICOM elements decoded to Unicode the way Orthanc does it.

Orthanc picks one encoding per file from the first value of SpecificCharacterSet
(0008,0005), or ``DefaultEncoding`` from the configuration when the tag is absent
or empty; an unsupported value means "ASCII: drop every special character"
(``FromDcmtkBridge::DetectEncoding``). Files with code extensions (several values,
ISO 2022 escape sequences) are decoded fragment by fragment, as DCMTK does.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence

from pydicom.charset import convert_encodings, decode_bytes

__all__ = ["ORTHANC_ENCODINGS", "TextDecoder", "python_codec"]

#: Orthanc's ``Encoding`` names (``DefaultEncoding`` option) → Python codecs.
ORTHANC_ENCODINGS: dict[str, str] = {
    "Ascii": "ascii",
    "Utf8": "utf-8",
    "Latin1": "latin_1",
    "Latin2": "iso8859_2",
    "Latin3": "iso8859_3",
    "Latin4": "iso8859_4",
    "Latin5": "iso8859_9",
    "Cyrillic": "iso8859_5",
    "Windows1251": "cp1251",
    "Arabic": "iso8859_6",
    "Greek": "iso8859_7",
    "Hebrew": "iso8859_8",
    "Thai": "tis_620",
    "Japanese": "shift_jis",
    "Chinese": "gb18030",
    "Korean": "euc_kr",
    "JapaneseKanji": "iso2022_jp",
    "SimplifiedChinese": "gb2312",
}

# Orthanc's GetDicomEncoding(): the defined terms it understands, and nothing else.
_DICOM_TERMS: dict[str, str] = {
    "ISO_IR 6": "Ascii",
    "ISO 2022 IR 6": "Ascii",
    "ISO_IR 192": "Utf8",
    "ISO_IR 100": "Latin1",
    "ISO 2022 IR 100": "Latin1",
    "ISO_IR 101": "Latin2",
    "ISO 2022 IR 101": "Latin2",
    "ISO_IR 109": "Latin3",
    "ISO 2022 IR 109": "Latin3",
    "ISO_IR 110": "Latin4",
    "ISO 2022 IR 110": "Latin4",
    "ISO_IR 148": "Latin5",
    "ISO 2022 IR 148": "Latin5",
    "ISO_IR 144": "Cyrillic",
    "ISO 2022 IR 144": "Cyrillic",
    "ISO_IR 127": "Arabic",
    "ISO 2022 IR 127": "Arabic",
    "ISO_IR 126": "Greek",
    "ISO 2022 IR 126": "Greek",
    "ISO_IR 138": "Hebrew",
    "ISO 2022 IR 138": "Hebrew",
    "ISO_IR 166": "Thai",
    "ISO 2022 IR 166": "Thai",
    "ISO_IR 13": "Japanese",
    "ISO 2022 IR 13": "Japanese",
    "GB18030": "Chinese",
    "GBK": "Chinese",
    "ISO 2022 IR 149": "Korean",
    "ISO 2022 IR 87": "JapaneseKanji",
    "ISO 2022 IR 58": "SimplifiedChinese",
}

# Where ISO 2022 escape sequences fall back to the first character set (PS3.5 6.1.2.5.3).
_PN_DELIMITERS = {0x5C, 0x5E, 0x3D}
_TEXT_DELIMITERS = {0x0D, 0x0A, 0x09, 0x0C}
_VALUE_DELIMITERS = {0x5C}
_TEXT_VRS = frozenset({"LT", "ST", "UT"})
# An ISO 2022 escape sequence: ESC, intermediate bytes, one final byte.
_ESCAPE = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]")


def python_codec(orthanc_encoding: str) -> str:
    """The Python codec of an Orthanc ``Encoding`` name (``Latin1`` when unknown)."""
    return ORTHANC_ENCODINGS.get(orthanc_encoding, "latin_1")


def _to_ascii(raw: bytes) -> str:
    # Orthanc's Toolbox::ConvertToAscii keeps printable ASCII and line feeds (measured against 1.10.1).
    return "".join(chr(b) for b in raw if 32 <= b < 127 or b == 10)


class TextDecoder:
    """Decodes the string values of one dataset.

    Args:
        specific_character_set: The values of (0008,0005), or None when absent.
        default_encoding: Orthanc's ``DefaultEncoding`` name, used when the tag is absent or empty.
    """

    def __init__(self, specific_character_set: Sequence[str] | None, default_encoding: str = "Latin1") -> None:
        terms = [t.strip().upper() for t in specific_character_set] if specific_character_set else []
        self.code_extensions = len(terms) > 1 or any(t.startswith("ISO 2022") for t in terms)
        first = terms[0] if terms else ""
        if not first:
            self.encoding = default_encoding
        else:
            self.encoding = _DICOM_TERMS.get(first, "Ascii")
        self.codec = python_codec(self.encoding)
        self._extensions: list[str] | None = None
        if self.code_extensions and terms:
            try:
                self._extensions = convert_encodings([t for t in (specific_character_set or [])])
            except Exception:  # unknown terms: stay with the base encoding, as DCMTK would fail over
                self._extensions = None
            if self._extensions is not None and not first:
                self._extensions[0] = self.codec

    def decode(self, raw: bytes, vr: str) -> str:
        """Decode the bytes of one string element (padding already removed)."""
        if self.encoding == "Japanese":
            return self._shift_jis(raw)
        if self.encoding == "Ascii":
            # Even with code extensions ("ISO 2022 IR 6\ISO 2022 IR 87"): Orthanc 1.10.1 strips
            # the escape bytes and keeps the rest as ASCII, so "$B$d$^" stays as it is.
            return _to_ascii(raw)
        if b"\x1b" not in raw and raw.isascii():
            return raw.decode("ascii")
        if self._extensions is not None and b"\x1b" in raw:
            delimiters = _PN_DELIMITERS if vr == "PN" else _TEXT_DELIMITERS if vr in _TEXT_VRS else _VALUE_DELIMITERS
            try:
                return decode_bytes(raw, self._extensions, delimiters)
            except Exception:
                return _to_ascii(raw)
        try:
            codecs.lookup(self.codec)
            # boost::locale's "skip" policy drops undecodable bytes.
            return raw.decode(self.codec, errors="ignore")
        except LookupError:
            return _to_ascii(raw)

    def _shift_jis(self, raw: bytes) -> str:
        # Orthanc converts ISO_IR 13 text with iconv's SHIFT-JIS, where 0x5C is the yen sign
        # and 0x7E the overline, even between values. With code extensions (ISO 2022 IR 87),
        # DCMTK 3.6.7 drops the escape sequences and the kanji bytes come out as ASCII.
        if self.code_extensions:
            raw = _ESCAPE.sub(b"", raw)
        text = raw.decode("shift_jis", errors="ignore")
        return text.replace("\\", "\u00a5").replace("~", "\u203e")
