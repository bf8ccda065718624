"""The augmentations: SO(3) rotation, jitter, scaling, magnitude warp, time warp and node dropout."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..core._errors import ChannelMismatchError, InvalidParameterError
from ..core._validation import check_fraction, check_positive_int
from ..core._windows import Windows
from ._base import BatchInfo, Transform, as_generator, describe_batch
from ._functional import (
    add_noise,
    check_batch,
    channel_families,
    channel_groups,
    channel_triads,
    drop_nodes,
    monotone_time_warp,
    random_rotation_matrices,
    rotate,
    scale_channels,
    smooth_random_curves,
    time_warp,
)

__all__ = ["RandomRotation", "Jitter", "Scaling", "MagnitudeWarp", "TimeWarp", "NodeDropout"]


def _check_sigma(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a number >= 0; received {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise InvalidParameterError(f"{name} must be a finite number >= 0; received {value!r}")
    return v


def _check_mode(mode: str) -> str:
    if mode not in ("channel", "triad"):
        raise InvalidParameterError(
            f"mode must be 'channel' (one factor per channel) or 'triad' (one per x/y/z vector, keeping its "
            f"direction); received {mode!r}"
        )
    return mode


class _ChannelAware(Transform):
    """A transform that may need channel names; ``channels`` names them for raw arrays (Windows carry their own)."""

    def __init__(self, *, channels: Sequence[str] | None = None, random_state: Any = None) -> None:
        super().__init__(random_state=random_state)
        self.channels = None if channels is None else tuple(channels)

    def _info(self, x: Any) -> BatchInfo:
        return describe_batch(x, None if isinstance(x, Windows) else self.channels)


class RandomRotation(_ChannelAware):
    """Turn each sensor by a rotation drawn uniformly on SO(3).

    A worn device can sit at any orientation; rotating its readings teaches a model to ignore that. All x/y/z
    triads of a node (any channel family ``"<family>.x/y/z"``: acc, gyro, mag...) are turned by the *same*
    rotation, as a physical turn of the device would; each sample's vector norms and the angle between
    acceleration and angular velocity are kept. Absent nodes stay zero.

    Parameters
    ----------
    per_node : bool
        True (default): an independent rotation for each (window, node). False: one rotation per window
        shared by all nodes (a rigid turn of the whole body frame).
    channels : sequence of str, optional
        Channel names of raw arrays; by default ``DEFAULT_CHANNELS`` when there are 6 channels.
    random_state : int, Generator or None

    Notes
    -----
    ``params = {"R": ndarray (n_windows, n_nodes, 3, 3), "triads": tuple of channel-index triples}``.
    """

    step = "augment.rotation"
    _config = ("per_node",)

    def __init__(self, *, per_node: bool = True, channels: Sequence[str] | None = None, random_state: Any = None) -> None:
        super().__init__(channels=channels, random_state=random_state)
        self.per_node = bool(per_node)

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        info = self._info(x)
        triads = tuple(channel_triads(info.require_channels("RandomRotation")).values())
        if not triads:
            raise ChannelMismatchError(
                f"RandomRotation found no x/y/z channel triad among {info.channels}; name channels "
                f"'<family>.x', '<family>.y', '<family>.z' (e.g. 'acc.x')"
            )
        w, n = info.shape[:2]
        R = random_rotation_matrices((w, n if self.per_node else 1), as_generator(rng))
        return {"R": np.ascontiguousarray(np.broadcast_to(R, (w, n, 3, 3))), "triads": triads}

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        return rotate(data, params["R"], params["triads"])


class Jitter(_ChannelAware):
    """Add white Gaussian noise, with a standard deviation per channel family.

    Parameters
    ----------
    sigma : float or mapping of str to float
        Noise standard deviation in the batch's units: one value for every channel, or one per family
        (``{"acc": 0.05, "gyro": 0.01}`` for m/s² and rad/s). A mapping must cover every family present.
    channels : sequence of str, optional
        Channel names of raw arrays (needed only when ``sigma`` is a mapping).
    random_state : int, Generator or None

    Notes
    -----
    Absent nodes and channels receive no noise. ``params = {"noise": float32 ndarray shaped like x}``.
    """

    step = "augment.jitter"
    _config = ("sigma",)

    def __init__(
        self, *, sigma: float | Mapping[str, float] = 0.05, channels: Sequence[str] | None = None, random_state: Any = None
    ) -> None:
        super().__init__(channels=channels, random_state=random_state)
        if isinstance(sigma, Mapping):
            self.sigma: float | dict[str, float] = {str(k): _check_sigma(v, f"sigma[{k!r}]") for k, v in sigma.items()}
        else:
            self.sigma = _check_sigma(sigma, "sigma")

    def _channel_sigma(self, info: BatchInfo) -> np.ndarray:
        if not isinstance(self.sigma, dict):
            return np.full(info.shape[2], self.sigma)
        families = channel_families(info.require_channels("Jitter with a per-family sigma"))
        missing = sorted(set(families) - set(self.sigma))
        if missing:
            raise InvalidParameterError(
                f"sigma gives no noise level for channel families {missing}; it covers {sorted(self.sigma)}. "
                f"Add them, e.g. sigma={{..., {missing[0]!r}: 0.0}}"
            )
        return np.array([self.sigma[f] for f in families])

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        info = self._info(x)
        sigma = self._channel_sigma(info)
        noise = as_generator(rng).standard_normal(info.shape, dtype=np.float32)
        noise *= (sigma[None, None, :] * info.present).astype(np.float32)[..., None]
        return {"noise": noise}

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        return add_noise(data, params["noise"])


class Scaling(_ChannelAware):
    """Multiply signals by random factors drawn from N(1, sigma²), one per (window, node, channel or triad).

    Parameters
    ----------
    sigma : float
        Standard deviation of the factors (0.1 = about ±10 % gain).
    mode : {"channel", "triad"}
        ``"channel"``: an independent factor per channel (per-axis gain error; turns vectors). ``"triad"``: one
        factor per x/y/z vector, which keeps its direction.
    channels : sequence of str, optional
        Channel names of raw arrays (needed only for ``mode="triad"``).
    random_state : int, Generator or None

    Notes
    -----
    ``params = {"factors": ndarray (n_windows, n_nodes, n_groups), "groups": ndarray (n_channels,)}``.
    """

    step = "augment.scaling"
    _config = ("sigma", "mode")

    def __init__(
        self, *, sigma: float = 0.1, mode: str = "channel", channels: Sequence[str] | None = None, random_state: Any = None
    ) -> None:
        super().__init__(channels=channels, random_state=random_state)
        self.sigma = _check_sigma(sigma, "sigma")
        self.mode = _check_mode(mode)

    def _groups(self, info: BatchInfo) -> np.ndarray:
        if self.mode == "channel":
            return np.arange(info.shape[2])
        return channel_groups(info.require_channels(f"{type(self).__name__}(mode='triad')"), "triad")

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        info = self._info(x)
        groups = self._groups(info)
        w, n = info.shape[:2]
        factors = as_generator(rng).normal(1.0, self.sigma, size=(w, n, int(groups.max()) + 1))
        return {"factors": factors, "groups": groups}

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        return scale_channels(data, params["factors"], params["groups"])


class MagnitudeWarp(Scaling):
    """Multiply signals by smooth random curves around 1 (Um et al., 2017).

    Each curve is a cubic spline through ``n_knots + 2`` knots evenly spread over the window, with values
    drawn from N(1, sigma²): the signal's amplitude drifts slowly, as with changing effort.

    Parameters
    ----------
    sigma : float
        Standard deviation of the knot values.
    n_knots : int
        Number of inner knots (more = faster changes).
    mode : {"channel", "triad"}
        One curve per channel, or one per x/y/z vector (keeps its direction).
    channels : sequence of str, optional
    random_state : int, Generator or None

    Notes
    -----
    ``params = {"factors": float32 ndarray (n_windows, n_nodes, n_groups, n_samples), "groups": (n_channels,)}``.
    """

    step = "augment.magnitude_warp"
    _config = ("sigma", "n_knots", "mode")

    def __init__(
        self,
        *,
        sigma: float = 0.2,
        n_knots: int = 4,
        mode: str = "channel",
        channels: Sequence[str] | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(sigma=sigma, mode=mode, channels=channels, random_state=random_state)
        self.n_knots = check_positive_int(n_knots, "n_knots")

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        info = self._info(x)
        groups = self._groups(info)
        w, n, _, t = info.shape
        curves = smooth_random_curves(
            (w, n, int(groups.max()) + 1), t, as_generator(rng), sigma=self.sigma, n_knots=self.n_knots
        )
        return {"factors": curves.astype(np.float32), "groups": groups}


class TimeWarp(Transform):
    """Stretch and squeeze time smoothly: resample each window along a random monotone warp.

    A random speed curve (cubic spline through ``n_knots + 2`` knots drawn from N(1, sigma²)) is integrated
    into a strictly increasing map from output samples to input positions that keeps the window's first and
    last samples; every node and channel of a window is resampled along the same map (linear interpolation),
    so sensors stay synchronised. ``sigma=0`` is the identity.

    Parameters
    ----------
    sigma : float
        Standard deviation of the relative speed at the knots.
    n_knots : int
        Number of inner knots.
    random_state : int, Generator or None

    Notes
    -----
    ``params = {"positions": ndarray (n_windows, n_samples)}``, input sample read by each output sample.
    """

    step = "augment.time_warp"
    _config = ("sigma", "n_knots")

    def __init__(self, *, sigma: float = 0.2, n_knots: int = 4, random_state: Any = None) -> None:
        super().__init__(random_state=random_state)
        self.sigma = _check_sigma(sigma, "sigma")
        self.n_knots = check_positive_int(n_knots, "n_knots")

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        w, _, _, t = x.x.shape if isinstance(x, Windows) else check_batch(x)
        return {"positions": monotone_time_warp(w, t, as_generator(rng), sigma=self.sigma, n_knots=self.n_knots)}

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        return time_warp(data, params["positions"])


class NodeDropout(Transform):
    """Remove present nodes at random (each with probability ``p``), always keeping at least one.

    Trains a model to cope with whichever subset of body positions a dataset happens to have. Dropped nodes
    are zeroed and, for ``Windows``, cleared from ``node_mask``. A window with no present node is left as is.

    Parameters
    ----------
    p : float in [0, 1]
        Drop probability of each present node.
    random_state : int, Generator or None

    Notes
    -----
    ``params = {"keep": bool ndarray (n_windows, n_nodes)}``.
    """

    step = "augment.node_dropout"
    _config = ("p",)

    def __init__(self, *, p: float = 0.2, random_state: Any = None) -> None:
        super().__init__(random_state=random_state)
        self.p = check_fraction(p, "p", closed_high=True)

    def make_params(self, x: Any, rng: Any) -> dict[str, Any]:
        rng = as_generator(rng)
        present = x.node_mask.copy() if isinstance(x, Windows) else describe_batch(x).present_nodes
        drop = (rng.random(present.shape) < self.p) & present
        # Rescue one random present node in windows that would lose all of them.
        score = np.where(present, rng.random(present.shape), -1.0)
        rescue = np.argmax(score, axis=1)
        emptied = np.flatnonzero(present.any(axis=1) & ~(present & ~drop).any(axis=1))
        drop[emptied, rescue[emptied]] = False
        return {"keep": ~drop}

    def _apply_data(self, data: Any, params: dict[str, Any]) -> Any:
        return drop_nodes(data, params["keep"])

    def _new_node_mask(self, node_mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return node_mask & np.asarray(params["keep"], dtype=bool)
