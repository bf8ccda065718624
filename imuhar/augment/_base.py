"""The augmentation protocol: draw random parameters in ``make_params``, apply them deterministically in ``apply``.

This is the torchvision-v2 split (ARCHITECTURE convention 6). Drawing and applying apart lets one rotation be
shared by a device's accelerometer and gyroscope, lets the same parameters be applied to a numpy batch and a
torch tensor (and be tested equal), and makes every augmentation reproducible from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from ..core._errors import ChannelMismatchError, InvalidParameterError
from ..core._validation import check_fraction
from ..core._windows import DEFAULT_CHANNELS, Windows
from ._functional import check_batch, is_tensor

__all__ = ["Transform", "Compose", "RandomApply", "BatchInfo", "describe_batch", "as_generator"]


def as_generator(rng: Any) -> np.random.Generator:
    """A numpy ``Generator`` from a Generator, an int seed, a ``SeedSequence`` or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise InvalidParameterError(
        f"rng must be a numpy Generator, an int seed or None; received {type(rng).__name__}. "
        f"Pass e.g. rng=np.random.default_rng(0) or rng=0"
    )


@dataclass(frozen=True)
class BatchInfo:
    """What ``make_params`` needs to know about a batch, whatever its container.

    Attributes
    ----------
    shape : tuple of int
        (n_windows, n_nodes, n_channels, n_samples).
    channels : tuple of str or None
        Channel names along axis 2, None when a raw array of unknown layout was passed.
    present : ndarray of bool, shape (n_windows, n_nodes, n_channels)
        True where a channel of a node holds a signal. For ``Windows`` it comes from ``node_mask`` and
        ``channel_mask``; for raw arrays a channel is present unless it is zero throughout the window.
    """

    shape: tuple[int, int, int, int]
    channels: tuple[str, ...] | None
    present: np.ndarray

    @property
    def present_nodes(self) -> np.ndarray:
        """Bool (n_windows, n_nodes): nodes holding any signal."""
        return self.present.any(axis=2)

    def require_channels(self, what: str) -> tuple[str, ...]:
        """Channel names, or :class:`ChannelMismatchError` saying how to provide them."""
        if self.channels is None:
            raise ChannelMismatchError(
                f"{what} needs channel names to find the x/y/z triads, but a raw batch with {self.shape[2]} channels "
                f"was passed (names are only assumed for 6 channels: {DEFAULT_CHANNELS}). Pass channels=[...] to the "
                f"transform or pass a Windows batch"
            )
        return self.channels


def describe_batch(x: Any, channels: Sequence[str] | None = None) -> BatchInfo:
    """Shape, channel names and presence mask of a ``Windows`` batch, numpy array or torch tensor."""
    if isinstance(x, Windows):
        present = x.node_mask[:, :, None] & x.channel_mask[:, None, :]
        return BatchInfo(tuple(x.x.shape), tuple(x.channels), present)  # type: ignore[arg-type]
    shape = check_batch(x)
    if channels is not None:
        channels = tuple(channels)
        if len(channels) != shape[2]:
            raise ChannelMismatchError(
                f"the batch has {shape[2]} channels along axis 2 but {len(channels)} channel names were given: "
                f"{channels}"
            )
    elif shape[2] == len(DEFAULT_CHANNELS):
        channels = DEFAULT_CHANNELS
    nonzero = (x != 0).any(-1)
    present = nonzero.cpu().numpy() if is_tensor(x) else np.asarray(nonzero)
    return BatchInfo(shape, channels, present)


class Transform:
    """Base class: ``make_params(x, rng) -> dict`` draws, ``apply(x, params) -> x`` applies, ``__call__`` does both.

    ``x`` is a :class:`~imuhar.core.Windows` batch, or an array of shape (n_windows, n_nodes, n_channels,
    n_samples) as a numpy ndarray or a torch tensor. ``apply`` returns the same kind of object: a new
    ``Windows`` with a provenance step appended (and its node mask updated where nodes are dropped), or an
    array/tensor of the same dtype (and device). Parameters are numpy arrays, so a parameter set drawn once
    can be applied to either backend.

    Subclasses set ``step`` (the provenance name), list their constructor arguments in ``_config`` and
    implement :meth:`make_params` and :meth:`_apply_data` (plus :meth:`_new_node_mask` if they drop nodes).

    Parameters
    ----------
    random_state : int, numpy Generator or None
        Seeds the transform's own generator, used when ``__call__`` gets no ``rng``.
    """

    step: str = "augment"
    _config: tuple[str, ...] = ()

    def __init__(self, *, random_state: Any = None) -> None:
        self.random_state = random_state
        self._rng: np.random.Generator | None = None

    # ------------------------------------------------------------------ protocol
    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        """Draw every random parameter for batch ``x`` from ``rng`` (numpy Generator or seed)."""
        raise NotImplementedError(f"{type(self).__name__} must implement make_params")

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        """Apply parameters to a (n_windows, n_nodes, n_channels, n_samples) array or tensor."""
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_data")

    def _new_node_mask(self, node_mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Node mask after the transform; unchanged unless the transform removes nodes."""
        return node_mask

    def apply(self, x: Any, params: dict[str, Any]) -> Any:
        """Apply drawn parameters deterministically; same input and params give the same output."""
        if isinstance(x, Windows):
            data = self._apply_data(x.x, params)
            return x.with_step(self.step, self.get_config(), x=data, node_mask=self._new_node_mask(x.node_mask, params))
        check_batch(x)
        return self._apply_data(x, params)

    def __call__(self, x: Any, rng: Any = None) -> Any:
        """Draw parameters from ``rng`` (or the transform's own seeded generator) and apply them."""
        gen = self._generator(rng)
        return self.apply(x, self.make_params(x, gen))

    # ------------------------------------------------------------------ helpers
    def _generator(self, rng: Any) -> np.random.Generator:
        if rng is not None:
            return as_generator(rng)
        if self._rng is None:
            self._rng = as_generator(self.random_state)
        return self._rng

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (without ``random_state``), as recorded in provenance."""
        cfg = {}
        for key in self._config:
            value = getattr(self, key)
            cfg[key] = dict(value) if isinstance(value, dict) else (list(value) if isinstance(value, tuple) else value)
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _check_transform(t: Any, where: str) -> "Transform":
    if not callable(getattr(t, "make_params", None)) or not callable(getattr(t, "apply", None)):
        raise InvalidParameterError(
            f"{where} must be a Transform (with make_params and apply); received {type(t).__name__}"
        )
    return t


class Compose(Transform):
    """Apply transforms one after another.

    ``__call__`` draws and applies each transform in turn, so each one sees the output of the previous
    (e.g. jitter is not added to a node that dropout just removed). ``make_params`` has to do the same to
    draw consistent parameters, so it runs the chain once; ``apply`` then replays it exactly.

    Parameters
    ----------
    transforms : iterable of Transform
    random_state : int, Generator or None
    """

    step = "augment.compose"

    def __init__(self, transforms: Iterable[Transform], *, random_state: Any = None) -> None:
        super().__init__(random_state=random_state)
        self.transforms = [_check_transform(t, f"Compose item {i}") for i, t in enumerate(transforms)]

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        rng = as_generator(rng)
        params = []
        for i, t in enumerate(self.transforms):
            p = t.make_params(x, rng)
            params.append(p)
            if i < len(self.transforms) - 1:
                x = t.apply(x, p)
        return {"params": params}

    def apply(self, x: Any, params: dict[str, Any]) -> Any:
        plist = params["params"]
        if len(plist) != len(self.transforms):
            raise InvalidParameterError(
                f"params hold {len(plist)} parameter sets for {len(self.transforms)} transforms; draw them with "
                f"this Compose's make_params"
            )
        for t, p in zip(self.transforms, plist):
            x = t.apply(x, p)
        return x

    def __call__(self, x: Any, rng: Any = None) -> Any:
        gen = self._generator(rng)
        for t in self.transforms:
            x = t.apply(x, t.make_params(x, gen))
        return x

    def get_config(self) -> dict[str, Any]:
        return {"transforms": [repr(t) for t in self.transforms]}

    def __repr__(self) -> str:
        inner = ",\n".join(f"    {t!r}" for t in self.transforms)
        return f"Compose([\n{inner}\n])"


class RandomApply(Transform):
    """Apply a transform to each window with probability ``p`` (others pass through unchanged).

    Parameters
    ----------
    transform : Transform
    p : float in [0, 1]
        Probability that a window is transformed.
    per_window : bool
        True (default): one coin per window. False: one coin for the whole batch.
    random_state : int, Generator or None
    """

    step = "augment.random_apply"
    _config = ("p", "per_window")

    def __init__(self, transform: Transform, p: float = 0.5, *, per_window: bool = True, random_state: Any = None) -> None:
        super().__init__(random_state=random_state)
        self.transform = _check_transform(transform, "RandomApply's transform")
        self.p = check_fraction(p, "p", closed_high=True)
        self.per_window = bool(per_window)

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        rng = as_generator(rng)
        n_windows = x.n_windows if isinstance(x, Windows) else check_batch(x)[0]
        coins = rng.random(n_windows if self.per_window else 1) < self.p
        applied = np.broadcast_to(coins, (n_windows,)).copy()
        # Inner parameters are always drawn, so the stream of random numbers does not depend on the coins.
        return {"applied": applied, "params": self.transform.make_params(x, rng)}

    def apply(self, x: Any, params: dict[str, Any]) -> Any:
        applied = np.asarray(params["applied"], dtype=bool)
        cfg = dict(self.get_config(), transform=repr(self.transform), n_applied=int(applied.sum()))
        if not applied.any():
            return x.with_step(self.step, cfg) if isinstance(x, Windows) else x
        out = self.transform.apply(x, params["params"])
        if applied.all():
            return out.with_step(self.step, cfg) if isinstance(out, Windows) else out
        if isinstance(x, Windows):
            data = np.where(applied[:, None, None, None], out.x, x.x)
            mask = np.where(applied[:, None], out.node_mask, x.node_mask)
            return out.with_step(self.step, cfg, x=data, node_mask=mask)
        if is_tensor(x):
            import torch

            sel = torch.as_tensor(applied, device=x.device)[:, None, None, None]
            return torch.where(sel, out, x)
        return np.where(applied[:, None, None, None], out, x)

    def __repr__(self) -> str:
        return f"RandomApply({self.transform!r}, p={self.p!r}, per_window={self.per_window!r})"
