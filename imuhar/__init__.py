"""imuhar: human activity recognition from wearable inertial sensors.

Importing ``imuhar`` is light: it loads numpy-free metadata only. The data contract (`Recording`, `Windows`,
the 22-node body) is re-exported lazily from :mod:`imuhar.core`; torch, transformers and sktime are imported
only by the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

_CORE_EXPORTS = (
    "Recording",
    "Windows",
    "LabelVocabulary",
    "Activity",
    "NODES",
    "NODE_PARENTS",
    "PLACEMENT_ALIASES",
    "resolve_placement",
    "ImuharError",
)
_SUBMODULES = (
    "core",
    "preprocessing",
    "augment",
    "datasets",
    "simulate",
    "text",
    "models",
    "methods",
    "training",
    "evaluation",
    "cli",
    "testing",
)

__all__ = ["__version__", *_CORE_EXPORTS, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _CORE_EXPORTS:
        return getattr(importlib.import_module(".core", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'imuhar' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
