"""`preprocess`: the usual chain from recordings to windows in one call."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..core import InvalidParameterError, Recording, Windows
from ._filters import lowpass, split_gravity
from ._resample import resample
from ._windowing import sliding_windows

__all__ = ["preprocess"]


def preprocess(
    recordings: Recording | Iterable[Recording],
    *,
    target_rate_hz: float | None = None,
    lowpass_hz: float | None = None,
    lowpass_order: int = 3,
    gravity_cutoff_hz: float | None = None,
    acc: str = "total",
    length_s: float | None = None,
    n_samples: int | None = None,
    overlap: float | None = 0.5,
    label_rule: str = "majority",
    min_fraction: float = 0.0,
    nodes: Sequence[str] | str | None = None,
    channels: Sequence[str] = ("acc", "gyro"),
    drop_unlabelled: bool = True,
    short: str = "drop",
    verbose: bool = True,
) -> Windows:
    """Resample, filter, optionally remove gravity, and cut windows; every step lands in the provenance.

    Steps, each skipped when its parameter is ``None``: :func:`resample` to ``target_rate_hz``;
    :func:`lowpass` at ``lowpass_hz`` (noise); with ``acc="body"``, :func:`split_gravity` at
    ``gravity_cutoff_hz`` (default 0.3 Hz) keeping body acceleration; :func:`sliding_windows`. Standardizing
    is left to the caller, because it must be fit on the training subjects only (:class:`Standardizer`).

    Parameters
    ----------
    recordings : Recording or iterable of Recording
        In SI units (see :func:`to_si_recording`).
    target_rate_hz, lowpass_hz, lowpass_order, gravity_cutoff_hz : see above
    acc : {"total", "body"}
        Keep total acceleration (gravity included, as :class:`Recording` stores it) or body acceleration.
    length_s, n_samples, overlap, label_rule, min_fraction, nodes, channels, drop_unlabelled, short, verbose
        Passed to :func:`sliding_windows`.

    Returns
    -------
    Windows
    """
    if acc not in ("total", "body"):
        raise InvalidParameterError(f"acc must be 'total' or 'body'; received {acc!r}")
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    out = []
    for r in recs:
        if target_rate_hz is not None:
            r = resample(r, target_rate_hz=target_rate_hz)
        if lowpass_hz is not None:
            r = lowpass(r, lowpass_hz, order=lowpass_order)
        if acc == "body":
            r = split_gravity(r, cutoff_hz=0.3 if gravity_cutoff_hz is None else gravity_cutoff_hz)[1]
        out.append(r)
    kw: dict[str, Any] = dict(
        length_s=length_s,
        n_samples=n_samples,
        overlap=overlap,
        label_rule=label_rule,
        min_fraction=min_fraction,
        nodes=nodes,
        channels=channels,
        drop_unlabelled=drop_unlabelled,
        short=short,
        verbose=verbose,
    )
    return sliding_windows(out, **kw)
