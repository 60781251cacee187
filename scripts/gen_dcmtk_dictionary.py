"""Build ``core/donjon/dicom/dcmtk_dictionary.json.gz`` from DCMTK's data dictionaries.

Orthanc names tags (``"Name"`` in ``/instances/{id}/tags``) and guesses the VR of
implicit-VR elements with DCMTK's dictionaries, public and private: retired tags are
``RETIRED_X``, GE's private tags ``FullFidelity``... pydicom's keywords differ, so we
ship DCMTK's own entries (DCMTK 3.6.7, BSD-style licence, as Debian's Orthanc 1.10.1
loads them from ``/usr/share/libdcmtk17``).

Usage: ``python scripts/gen_dcmtk_dictionary.py [/usr/share/libdcmtk17]``
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/libdcmtk17")
TARGET = Path(__file__).resolve().parent.parent / "core" / "donjon" / "dicom" / "dcmtk_dictionary.json.gz"

def _part(text: str) -> tuple[int, int, str]:
    """``6000-60FF`` / ``0009-o-FFFF`` / ``0010`` → (low, high, restriction)."""
    m = re.match(r"^([0-9A-Fa-f]{4})(?:-(?:([oeu])-)?([0-9A-Fa-f]{4}))?$", text.strip())
    if not m:
        raise ValueError(text)
    low = int(m.group(1), 16)
    high = int(m.group(3), 16) if m.group(3) else low
    return low, high, m.group(2) or ""


def main() -> None:
    public: dict[str, list[str]] = {}
    public_ranges: list[list] = []
    private: dict[str, list[str]] = {}
    private_ranges: list[list] = []
    for name in ("dicom.dic", "private.dic"):
        for line in (SOURCE / name).read_text(encoding="latin-1").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            # A few private names contain a space ("End NumberForBaseline"); Orthanc shows them without.
            key, vr, tag_name = fields[0].strip(), fields[1].strip(), fields[2].strip().replace(" ", "")
            inner = key[1:-1]
            if '"' in inner:
                group_text, rest = inner.split(",", 1)
                creator, element_text = rest.rsplit(",", 1)
                creator = creator.strip('"')
                glo, ghi, grestr = _part(group_text)
                element = int(element_text, 16) & 0xFF
                if glo == ghi:
                    private[f"{glo:04x},{creator},{element:02x}"] = [vr, tag_name]
                else:
                    private_ranges.append([glo, ghi, grestr, creator, element, vr, tag_name])
                continue
            group_text, element_text = inner.split(",")
            glo, ghi, grestr = _part(group_text)
            elo, ehi, erestr = _part(element_text)
            if glo == ghi and elo == ehi:
                public.setdefault(f"{glo:04x}{elo:04x}", [vr, tag_name])
            else:
                public_ranges.append([glo, ghi, grestr, elo, ehi, erestr, vr, tag_name])
    data = {"public": public, "public_ranges": public_ranges, "private": private, "private_ranges": private_ranges}
    TARGET.write_bytes(gzip.compress(json.dumps(data, separators=(",", ":"), sort_keys=True).encode(), mtime=0))
    print(f"{TARGET}: {len(public)} public, {len(public_ranges)} ranges, {len(private)} private, {len(private_ranges)} private ranges")


if __name__ == "__main__":
    main()
