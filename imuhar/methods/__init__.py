"""HAR methods behind one interface: ``Method.fit(train) / predict_proba / predict / embed`` and a registry.

Importing this package is light; a method's module (and torch) loads when :func:`get_method` asks for it.
"""

from ._base import Method, carve_validation_subjects, check_disjoint_subjects
from ._registry import get_method, get_method_class, list_methods, register_method

__all__ = [
    "Method",
    "carve_validation_subjects",
    "check_disjoint_subjects",
    "get_method",
    "get_method_class",
    "list_methods",
    "register_method",
]
