"""Registry of methods by name. Entries point at ``module:Class`` so listing never imports torch."""

from __future__ import annotations

import importlib
from typing import Any

from ..core import InvalidParameterError

__all__ = ["register_method", "list_methods", "get_method", "get_method_class"]

#: name -> (``"module:Class"``, tags). Modules are imported only when a method is asked for.
_METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fusionactnet": ("imuhar.methods.fusionactnet:FusionActNet", ("supervised", "torch", "mixture-of-experts")),
    "comodo": ("imuhar.methods.comodo:Comodo", ("self-supervised", "distillation", "torch")),
    "collossl": ("imuhar.methods.collossl:ColloSSL", ("self-supervised", "multi-device", "torch")),
    "simclr-har": ("imuhar.methods.collossl:SimCLRBaseline", ("self-supervised", "torch")),
    "supervised-tpn": ("imuhar.methods.collossl:SupervisedBaseline", ("supervised", "torch")),
}


def register_method(name: str, target: str, *, tags: tuple[str, ...] = (), overwrite: bool = False) -> None:
    """Add a method to the registry.

    Parameters
    ----------
    name : str
        Registry name (lower case, ``-`` separated).
    target : str
        ``"package.module:ClassName"`` of a :class:`~imuhar.methods.Method` subclass; imported lazily.
    tags : tuple of str
        Keywords for :func:`list_methods`.
    overwrite : bool
        Replace an existing entry of that name instead of raising.
    """
    if not isinstance(target, str) or target.count(":") != 1:
        raise InvalidParameterError(f"target must read 'package.module:ClassName'; received {target!r}")
    if name in _METHODS and not overwrite and _METHODS[name][0] != target:
        raise InvalidParameterError(
            f"method {name!r} is already registered as {_METHODS[name][0]!r}; pass overwrite=True to replace it"
        )
    _METHODS[name] = (target, tuple(tags))


def list_methods(tag: str | None = None) -> list[str]:
    """Registered method names, sorted; only those carrying ``tag`` when given."""
    return sorted(n for n, (_, tags) in _METHODS.items() if tag is None or tag in tags)


def get_method_class(name: str) -> type:
    """The class registered under ``name`` (imports its module)."""
    if name not in _METHODS:
        raise InvalidParameterError(f"unknown method {name!r}; registered methods are {list_methods()}")
    module, cls = _METHODS[name][0].split(":")
    return getattr(importlib.import_module(module), cls)


def get_method(name: str, **params: Any):
    """An instance of the method registered under ``name``, built with keyword ``params``."""
    return get_method_class(name)(**params)
