"""Finding resources: the query model, DICOM matching rules and the ``/tools/find`` engine.

C-FIND and QIDO-RS reuse :mod:`.model`, :mod:`.constraints` and :mod:`.matching`;
the index answers :class:`IndexFind` in SQL (``IndexTransaction.find``).
"""

from __future__ import annotations

from .constraints import parse_constraint
from .matching import compile_constraint, matches
from .model import ConstraintKind, IndexFind, LabelsConstraint, TagConstraint

__all__ = [
    "ConstraintKind",
    "IndexFind",
    "LabelsConstraint",
    "TagConstraint",
    "compile_constraint",
    "matches",
    "parse_constraint",
]
