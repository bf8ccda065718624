"""Encoder registry: names -> classes with tags, so configs, weights files and tests refer to encoders by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imuhar.core import InvalidParameterError

from ._base import Encoder
from ._conv1d import CNNEncoder, MobileNet1DEncoder, ResNet1DEncoder
from ._graph import GraphEncoder

__all__ = ["EncoderSpec", "register_encoder", "list_encoders", "get_encoder_class", "build_encoder"]


@dataclass(frozen=True)
class EncoderSpec:
    """A registered encoder: its name, class and descriptive tags (e.g. ``graph``, ``conv1d``)."""

    name: str
    cls: type[Encoder]
    tags: tuple[str, ...] = ()


_REGISTRY: dict[str, EncoderSpec] = {}


def register_encoder(name: str, cls: type[Encoder], *, tags: tuple[str, ...] = ()) -> type[Encoder]:
    """Register an :class:`~imuhar.models.Encoder` subclass under ``name`` (lower case, unique).

    Returns ``cls`` with ``cls.registry_name`` set, so the call can be used as a decorator factory result.
    """
    if not (isinstance(cls, type) and issubclass(cls, Encoder)):
        raise InvalidParameterError(f"only Encoder subclasses can be registered; received {cls!r}")
    key = str(name).strip().lower()
    if not key:
        raise InvalidParameterError("an encoder name must be a non-empty string")
    if key in _REGISTRY and _REGISTRY[key].cls is not cls:
        raise InvalidParameterError(
            f"encoder name {key!r} is already taken by {_REGISTRY[key].cls.__name__}; choose another name"
        )
    cls.registry_name = key
    _REGISTRY[key] = EncoderSpec(key, cls, tuple(tags))
    return cls


def list_encoders(tag: str | None = None) -> list[str]:
    """Registered encoder names, sorted; only those carrying ``tag`` if given."""
    return sorted(name for name, spec in _REGISTRY.items() if tag is None or tag in spec.tags)


def get_encoder_class(name: str) -> type[Encoder]:
    """The class registered under ``name``; raises ``InvalidParameterError`` listing valid names otherwise."""
    key = str(name).strip().lower()
    if key not in _REGISTRY:
        raise InvalidParameterError(f"unknown encoder {name!r}; registered encoders are {list_encoders()}")
    return _REGISTRY[key].cls


def build_encoder(name: str, **params: Any) -> Encoder:
    """Instantiate the encoder registered under ``name`` with keyword ``params``.

    Unknown parameters raise ``InvalidParameterError`` naming the accepted ones.
    """
    import inspect

    cls = get_encoder_class(name)
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InvalidParameterError(
            f"encoder {name!r} does not accept parameter(s) {unknown}; its parameters are {accepted}"
        )
    return cls(**params)


register_encoder("graph", GraphEncoder, tags=("graph", "stgcn"))
register_encoder("cnn", CNNEncoder, tags=("conv1d",))
register_encoder("resnet1d", ResNet1DEncoder, tags=("conv1d", "resnet"))
register_encoder("mobilenet1d", MobileNet1DEncoder, tags=("conv1d", "mobilenet"))
