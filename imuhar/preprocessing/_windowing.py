"""Sliding windows over recordings with a declared label rule, and fitting windows to a protocol length."""

from __future__ import annotations

import logging
import math
from typing import Any, Iterable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core import (
    NODE_INDEX,
    NODES,
    UNLABELLED,
    InvalidParameterError,
    InvalidRateError,
    Recording,
    ShapeMismatchError,
    Windows,
    resolve_placement,
)
from ..core._validation import check_fraction, check_positive_int, check_rate
from ._common import check_kinds

__all__ = ["LABEL_RULES", "window_starts", "window_labels", "sliding_windows", "fit_length"]

logger = logging.getLogger(__name__)

#: Label rules of :func:`sliding_windows`.
LABEL_RULES: tuple[str, ...] = ("majority", "center", "strict")


def window_starts(n_total: int, n_samples: int, step: int) -> np.ndarray:
    """First sample of every full window: ``0, step, 2*step, ...``; there are ``(n_total - n_samples) // step + 1``.

    Returns an empty array when ``n_total < n_samples``.
    """
    if n_total < n_samples:
        return np.zeros(0, dtype=np.int64)
    return np.arange((n_total - n_samples) // step + 1, dtype=np.int64) * step


def window_labels(
    labels: Any,
    starts: Any,
    n_samples: int,
    n_classes: int,
    rule: str = "majority",
    min_fraction: float = 0.0,
) -> np.ndarray:
    """One label per window from per-sample labels, without a Python loop over windows.

    Parameters
    ----------
    labels : array_like of int, shape (n_total,)
        Per-sample class ids in ``[-1, n_classes)``; -1 is unlabelled.
    starts : array_like of int, shape (n_windows,)
        First sample of each window.
    n_samples : int
        Window length.
    n_classes : int
    rule : {"majority", "center", "strict"}
        ``majority``: the most frequent id among the window's samples, unlabelled counted as a class of its
        own (ties go to the lowest class id, and to a class rather than to unlabelled); -1 if that id covers
        less than ``min_fraction`` of the window. ``center``: the label of sample ``start + n_samples // 2``.
        ``strict``: the label if every sample has it, else -1.
    min_fraction : float in [0, 1]
        Majority rule only.

    Returns
    -------
    ndarray of int64, shape (n_windows,)
    """
    if rule not in LABEL_RULES:
        raise InvalidParameterError(f"label_rule must be one of {LABEL_RULES}; received {rule!r}")
    lab = np.asarray(labels, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    if rule == "center":
        return lab[starts + n_samples // 2]
    # Per-class counts in every window from cumulative one-hot sums: counts = cs[start + n] - cs[start].
    # Column n_classes holds the unlabelled samples, so argmax prefers any class over unlabelled on ties.
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    col = np.where(lab < 0, n_classes, lab)
    # Only the ids present get a column (a session holds a few of a large vocabulary's classes); flatnonzero
    # keeps ids in order, so the unlabelled column stays last and ties still go to the lowest class id.
    present = np.flatnonzero(np.bincount(col, minlength=n_classes + 1))
    lookup = np.zeros(n_classes + 1, dtype=np.int64)
    lookup[present] = np.arange(present.shape[0])
    onehot = np.zeros((lab.shape[0] + 1, present.shape[0]), dtype=np.int32)
    onehot[np.arange(1, lab.shape[0] + 1), lookup[col]] = 1
    cs = np.cumsum(onehot, axis=0, out=onehot)
    counts = cs[starts + n_samples] - cs[starts]
    best_col = np.argmax(counts, axis=1)
    top = counts[np.arange(len(starts)), best_col]
    best = present[best_col]
    out = np.where(best == n_classes, UNLABELLED, best).astype(np.int64)
    if rule == "strict":
        out[top < n_samples] = UNLABELLED
    elif min_fraction > 0:
        out[top < min_fraction * n_samples] = UNLABELLED
    return out


def _window_geometry(rate: float, length_s, n_samples, step, step_s, overlap) -> tuple[int, int, float]:
    if (length_s is None) == (n_samples is None):
        raise InvalidParameterError(
            f"give exactly one of length_s= (seconds) or n_samples= (samples); received length_s={length_s!r}, "
            f"n_samples={n_samples!r}"
        )
    if n_samples is None:
        try:
            seconds = float(length_s)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"length_s must be a number of seconds; received {length_s!r}") from None
        if not (math.isfinite(seconds) and seconds > 0):
            raise InvalidParameterError(f"length_s must be a positive number of seconds; received {length_s!r}")
        n = int(round(seconds * rate))
        if n < 1:
            raise InvalidParameterError(f"length_s={length_s} s at {rate:g} Hz is shorter than one sample")
    else:
        n = check_positive_int(n_samples, "n_samples")
    given = [name for name, v in (("step", step), ("step_s", step_s), ("overlap", overlap)) if v is not None]
    if len(given) > 1:
        raise InvalidParameterError(f"give at most one of step=, step_s=, overlap=; received {given}")
    if step is not None:
        hop = check_positive_int(step, "step")
    elif step_s is not None:
        hop = int(round(float(step_s) * rate))
        if hop < 1:
            raise InvalidParameterError(f"step_s={step_s!r} at {rate:g} Hz is shorter than one sample")
    else:
        ov = check_fraction(0.5 if overlap is None else overlap, "overlap")
        hop = max(1, int(round(n * (1.0 - ov))))
    return n, hop, 1.0 - hop / n


def _provenance_summary(recs: Sequence[Recording]) -> list[dict[str, Any]]:
    chains: dict[str, dict[str, Any]] = {}
    for r in recs:
        key = repr(r.provenance)
        entry = chains.setdefault(key, {"provenance": list(r.provenance), "n_recordings": 0})
        entry["n_recordings"] += 1
    if len(chains) == 1:
        return list(next(iter(chains.values()))["provenance"])
    return [{"step": "recordings", "chains": list(chains.values())}]


def _short_window(x: np.ndarray, lab: np.ndarray, n: int, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """One window of length ``n`` from a recording shorter than ``n``: tiled, or zero-padded (labels -1)."""
    t = x.shape[0]
    if mode == "tile":
        idx = np.arange(n) % t
        return x[idx], lab[idx]
    xp = np.zeros((n,) + x.shape[1:], dtype=x.dtype)
    xp[:t] = x
    lp = np.full(n, UNLABELLED, dtype=np.int64)
    lp[:t] = lab
    return xp, lp


def sliding_windows(
    recordings: Recording | Iterable[Recording],
    *,
    length_s: float | None = None,
    n_samples: int | None = None,
    step: int | None = None,
    step_s: float | None = None,
    overlap: float | None = None,
    label_rule: str = "majority",
    min_fraction: float = 0.0,
    nodes: Sequence[str] | str | None = None,
    channels: Sequence[str] = ("acc", "gyro"),
    drop_unlabelled: bool = True,
    short: str = "drop",
    verbose: bool = True,
) -> Windows:
    """Cut recordings into fixed-length windows with one label each.

    Windows are strided views of each recording (``sliding_window_view``), labels come from cumulative
    class counts (:func:`window_labels`); nothing loops over windows in Python.

    Parameters
    ----------
    recordings : Recording or iterable of Recording
        All at one sample rate (resample first) and with one label vocabulary.
    length_s, n_samples : float, int
        Window length in seconds or samples; give exactly one.
    step, step_s, overlap : int, float, float
        Hop in samples, hop in seconds, or overlap fraction in ``[0, 1)`` (hop = ``round(n * (1 - overlap))``);
        at most one; default ``overlap=0.5``. A recording of ``T >= n`` samples gives
        ``(T - n) // hop + 1`` windows.
    label_rule : {"majority", "center", "strict"}
        See :func:`window_labels`.
    min_fraction : float in [0, 1]
        Majority rule: the winning class must cover at least this fraction of the window, else -1.
    nodes : sequence of str, or "all", optional
        Nodes along the window's node axis (aliases allowed). Default: the union of the recordings'
        placements in canonical order; ``"all"``: the 22 canonical nodes. Nodes a recording lacks are zero
        and masked out in ``node_mask``.
    channels : sequence of {"acc", "gyro"}
        Sensor kinds; each adds x, y, z channels (``acc.x`` ...). A kind missing at a node is zero there;
        ``channel_mask`` (one row per window) is True for a kind only if every present node of the recording
        has it, so acc-only data, or a mix where some node lacks gyro, never passes zeros off as readings.
    drop_unlabelled : bool
        Drop windows whose label is -1.
    short : {"drop", "tile", "pad"}
        Recordings shorter than one window: dropped, or made into one window by repeating them (UniMTS
        tiles short clips) or zero-padding them (padded samples are unlabelled for the label rule).
    verbose : bool
        Progress bar over recordings.

    Returns
    -------
    Windows
        ``x`` of shape (n_windows, n_nodes, 3 * len(channels), n_samples), float32, with ``recording_ids``,
        ``start_s``, ``subjects``, masks, and ``metadata["provenance"]``: the recordings' provenance (their
        common chain, or a summary of distinct chains) followed by a ``"sliding_windows"`` step.

    Raises
    ------
    InvalidRateError
        Recordings at different rates.
    InvalidParameterError
        Bad lengths, steps, rules; different vocabularies; no recordings.
    UnknownPlacementError
        An unknown node name.
    """
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs:
        raise InvalidParameterError("sliding_windows needs at least one Recording")
    for r in recs:
        if not isinstance(r, Recording):
            raise InvalidParameterError(f"sliding_windows takes Recording objects; received {type(r).__name__}")
    rates = sorted({r.sample_rate_hz for r in recs})
    if rates[-1] - rates[0] > 1e-9 * rates[-1]:
        raise InvalidRateError(
            f"recordings come at different rates {rates} Hz; resample them to one rate first "
            f"(imuhar.preprocessing.resample(rec, target_rate_hz=...))"
        )
    rate = check_rate(rates[0])
    vocab = recs[0].vocabulary
    for r in recs[1:]:
        if r.vocabulary.names != vocab.names:
            raise InvalidParameterError(
                f"recordings {recs[0].recording_id!r} and {r.recording_id!r} use different label vocabularies; "
                f"map them onto one vocabulary first (LabelVocabulary.subset)"
            )
    if label_rule not in LABEL_RULES:
        raise InvalidParameterError(f"label_rule must be one of {LABEL_RULES}; received {label_rule!r}")
    min_fraction = check_fraction(min_fraction, "min_fraction", closed_high=True)
    if short not in ("drop", "tile", "pad"):
        raise InvalidParameterError(f"short must be 'drop', 'tile' or 'pad'; received {short!r}")
    kinds = check_kinds(channels)
    n, hop, ov = _window_geometry(rate, length_s, n_samples, step, step_s, overlap)
    if nodes is None:
        node_list = tuple(sorted({p for r in recs for p in r.placements}, key=NODE_INDEX.__getitem__))
    elif isinstance(nodes, str) and nodes == "all":
        node_list = NODES
    else:
        names = [nodes] if isinstance(nodes, str) else list(nodes)
        resolved = [resolve_placement(p) for p in names]
        if len(set(resolved)) != len(resolved):
            raise InvalidParameterError(f"nodes resolve to duplicates: {names} -> {resolved}")
        node_list = tuple(sorted(resolved, key=NODE_INDEX.__getitem__))
    n_classes = len(vocab)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("x", "nmask", "cmask", "labels", "subjects", "rec", "start")}
    it: Iterable[Recording] = recs
    if verbose and len(recs) > 1:
        from tqdm.auto import tqdm

        it = tqdm(recs, desc="windows", unit="rec", leave=False)
    for r in it:
        x, present = r.to_array(node_list, kinds)  # (T, N, C), (N, C)
        x = x.astype(np.float32)
        node_ok = present.any(axis=1)
        # A channel counts as present only if every used node has it, so zeros never pose as data.
        chan_ok = present[node_ok].all(axis=0) if node_ok.any() else np.zeros(present.shape[1], dtype=bool)
        lab = r.labels
        if r.n_samples >= n:
            starts = window_starts(r.n_samples, n, hop)
            xw = sliding_window_view(x, n, axis=0)[starts]  # (W, N, C, n) view -> gathered copy
            wl = window_labels(lab, starts, n, n_classes, label_rule, min_fraction)
        elif short == "drop":
            continue
        else:
            xs, ls = _short_window(x, lab, n, short)
            starts = np.zeros(1, dtype=np.int64)
            xw = xs.transpose(1, 2, 0)[None]
            wl = window_labels(ls, starts, n, n_classes, label_rule, min_fraction)
        if drop_unlabelled:
            keep = wl != UNLABELLED
            xw, wl, starts = xw[keep], wl[keep], starts[keep]
        w = len(starts)
        if w == 0:
            continue
        parts["x"].append(xw)
        parts["nmask"].append(np.broadcast_to(node_ok, (w, len(node_list))))
        parts["cmask"].append(np.broadcast_to(chan_ok, (w, chan_ok.shape[0])))
        parts["labels"].append(wl)
        parts["subjects"].append(np.full(w, r.subject))
        parts["rec"].append(np.full(w, r.recording_id, dtype=object))
        parts["start"].append(starts / rate)
    n_chan = 3 * len(kinds)
    if parts["x"]:
        cat = {k: np.concatenate(v) for k, v in parts.items()}
    else:
        logger.warning("sliding_windows: no window survived (recordings too short or all unlabelled)")
        cat = {
            "x": np.zeros((0, len(node_list), n_chan, n), dtype=np.float32),
            "nmask": np.zeros((0, len(node_list)), dtype=bool),
            "cmask": np.zeros((0, n_chan), dtype=bool),
            "labels": np.zeros(0, dtype=np.int64),
            "subjects": np.zeros(0, dtype=str),
            "rec": np.zeros(0, dtype=object),
            "start": np.zeros(0),
        }
    params = {
        "n_samples": n,
        "length_s": n / rate,
        "step_samples": hop,
        "overlap": ov,
        "label_rule": label_rule,
        "min_fraction": min_fraction,
        "nodes": list(node_list),
        "channels": list(kinds),
        "drop_unlabelled": bool(drop_unlabelled),
        "short": short,
        "n_recordings": len(recs),
    }
    meta: dict[str, Any] = {"provenance": [*_provenance_summary(recs), {"step": "sliding_windows", **params}]}
    datasets = {r.metadata.get("dataset") for r in recs}
    if len(datasets) == 1 and None not in datasets:
        meta["dataset"] = datasets.pop()
    return Windows(
        x=cat["x"],
        node_mask=cat["nmask"],
        labels=cat["labels"],
        subjects=cat["subjects"],
        rate_hz=rate,
        nodes=node_list,
        channels=tuple(f"{k}.{a}" for k in kinds for a in "xyz"),
        vocabulary=vocab,
        channel_mask=cat["cmask"],
        recording_ids=cat["rec"],
        start_s=cat["start"],
        metadata=meta,
    )


def fit_length(windows: Windows, n_samples: int, mode: str = "tile", *, align: str = "start") -> Windows:
    """Bring windows to exactly ``n_samples`` samples, as a protocol with a fixed input length needs.

    Longer windows are cropped (from the start, or around the centre with ``align="center"``). Shorter ones
    are repeated (``"tile"``: UniMTS tiles short clips to its 10 s input), zero-padded at the end (``"pad"``),
    or refused (``"crop"``).

    Parameters
    ----------
    windows : Windows
    n_samples : int
    mode : {"tile", "pad", "crop"}
    align : {"start", "center"}

    Returns
    -------
    Windows
        With a ``"fit_length"`` provenance step; masked (absent) nodes stay zero.

    Raises
    ------
    ShapeMismatchError
        ``mode="crop"`` with windows shorter than ``n_samples``.
    """
    n = check_positive_int(n_samples, "n_samples")
    if mode not in ("tile", "pad", "crop"):
        raise InvalidParameterError(f"mode must be 'tile', 'pad' or 'crop'; received {mode!r}")
    if align not in ("start", "center"):
        raise InvalidParameterError(f"align must be 'start' or 'center'; received {align!r}")
    t = windows.n_samples
    params = {"n_samples": n, "mode": mode, "align": align, "from_samples": t}
    if t == n:
        return windows
    if t > n:
        off = (t - n) // 2 if align == "center" else 0
        x = windows.x[..., off : off + n]
    elif mode == "crop":
        raise ShapeMismatchError(
            f"windows hold {t} samples, fewer than n_samples={n}; mode='crop' only shortens. Use mode='tile' or 'pad'"
        )
    elif mode == "tile":
        x = windows.x[..., np.arange(n) % t]
    else:
        x = np.zeros(windows.x.shape[:3] + (n,), dtype=np.float32)
        x[..., :t] = windows.x
    return windows.with_step("fit_length", params, x=np.ascontiguousarray(x))
