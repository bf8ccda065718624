"""Result rows: one figure set per (dataset, split, protocol, model, seed, k), as tidy JSON.

Every row says how it was obtained (convention 10): dataset, split rule, protocol, model, seed and k, the
number of windows and classes, how its intervals were computed, the imuhar version and the time.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from imuhar.core import DataFormatError, DataNotFoundError, InvalidParameterError

from ._metrics import classification_metrics, confusion_matrix

__all__ = ["PROTOCOLS", "ResultRow", "evaluate_scores", "write_results", "read_results", "results_frame",
           "summarize_repeats"]  # fmt: skip

#: Protocol names used in result rows.
PROTOCOLS: tuple[str, ...] = ("zero-shot", "few-shot", "full-shot", "linear-probe")
_IDENTITY = ("dataset", "split", "protocol", "model", "seed", "k")


@dataclass
class ResultRow:
    """Figures of one evaluation run.

    Attributes
    ----------
    dataset, split, protocol, model : str
        What was evaluated: benchmark name, split rule (e.g. ``"uci-har authors' subjects: test"``), one of
        :data:`PROTOCOLS`, and the model (weights file, method name or ``"scratch"``).
    seed : int
        Seed of the run (few-shot draw, training, bootstrap).
    k : int or None
        Labelled windows per class (few-shot); None for zero-shot, full-shot and full linear probes.
    metrics : dict
        ``accuracy``, ``macro_f1``, ``r_at_2`` ... in percent, ``*_ci`` intervals, ``n_windows``.
    n_classes : int
    class_names : list of str
    confusion : list of list of int, optional
        Confusion matrix (rows true, columns predicted) in class-id order.
    ci_unit : str
        ``"window"`` or ``"subject"``: what the bootstrap resampled.
    n_bootstrap : int
    extra : dict
        Free facts (training time, text model, rate_hz, window_s, ...).
    """

    dataset: str
    split: str
    protocol: str
    model: str
    seed: int
    k: int | None
    metrics: dict[str, Any]
    n_classes: int
    class_names: list[str] = field(default_factory=list)
    confusion: list[list[int]] | None = None
    ci_unit: str = "window"
    n_bootstrap: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)
    created_utc: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    )

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise InvalidParameterError(f"protocol must be one of {PROTOCOLS}; received {self.protocol!r}")
        if self.k is not None and int(self.k) < 1:
            raise InvalidParameterError(f"k must be a positive integer or None; received {self.k!r}")

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def to_dict(self) -> dict[str, Any]:
        """A flat JSON-serializable dict: identity fields, metrics, then provenance."""
        from imuhar._version import __version__

        row: dict[str, Any] = {
            "dataset": self.dataset, "split": self.split, "protocol": self.protocol, "model": self.model,
            "seed": int(self.seed), "k": None if self.k is None else int(self.k), "n_classes": int(self.n_classes),
        }  # fmt: skip
        row.update(self.metrics)
        row.update({
            "ci_unit": self.ci_unit, "n_bootstrap": int(self.n_bootstrap), "class_names": list(self.class_names),
            "confusion": self.confusion, **self.extra, "imuhar_version": __version__, "created_utc": self.created_utc,
        })  # fmt: skip
        return row


def evaluate_scores(
    y_true: np.ndarray,
    scores: np.ndarray,
    *,
    dataset: str,
    split: str,
    protocol: str,
    model: str,
    seed: int = 0,
    k: int | None = None,
    class_names: Sequence[str] | None = None,
    subjects: np.ndarray | None = None,
    ks: Sequence[int] = (2,),
    n_bootstrap: int = 1000,
    ci_unit: str = "window",
    extra: dict[str, Any] | None = None,
) -> ResultRow:
    """Score predictions and wrap them in a :class:`ResultRow`.

    Parameters
    ----------
    y_true : ndarray of int, shape (n,)
        True class ids; windows labelled -1 (unlabelled) are dropped first.
    scores : ndarray, shape (n, n_classes)
        Class scores; the prediction is the argmax.
    dataset, split, protocol, model, seed, k
        Identity of the row (see :class:`ResultRow`).
    class_names : sequence of str, optional
        Names in class-id order (length n_classes).
    subjects : ndarray, shape (n,), optional
        Subject of each window, for ``ci_unit="subject"``.
    ks : sequence of int
        Ranks for R@k (R@2 by default; ranks above n_classes are skipped).
    n_bootstrap, ci_unit
        Bootstrap settings (the bootstrap is seeded with ``seed``).
    extra : dict, optional
        Extra facts stored in the row.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != y.shape[0]:
        raise InvalidParameterError(f"scores must have shape (n_windows={y.shape[0]}, n_classes); received {s.shape}")
    keep = y >= 0
    y, s = y[keep].astype(np.int64), s[keep]
    subj = None if subjects is None else np.asarray(subjects)[keep]
    if y.size == 0:
        raise InvalidParameterError("no labelled windows to evaluate (every label is -1)")
    names = list(class_names) if class_names is not None else [str(i) for i in range(s.shape[1])]
    if len(names) != s.shape[1]:
        raise InvalidParameterError(f"{len(names)} class names for {s.shape[1]} score columns")
    metrics = classification_metrics(
        y, s, ks=[r for r in ks if r <= s.shape[1]], n_bootstrap=n_bootstrap, ci_unit=ci_unit, subjects=subj, seed=seed
    )
    conf = confusion_matrix(y, s.argmax(axis=1), n_classes=s.shape[1])
    return ResultRow(
        dataset=dataset, split=split, protocol=protocol, model=model, seed=int(seed), k=k, metrics=metrics,
        n_classes=s.shape[1], class_names=names, confusion=conf.tolist(), ci_unit=ci_unit,
        n_bootstrap=int(n_bootstrap), extra=dict(extra or {}),
    )  # fmt: skip


def _as_dict(row: ResultRow | dict[str, Any]) -> dict[str, Any]:
    return row.to_dict() if isinstance(row, ResultRow) else dict(row)


def write_results(rows: Iterable[ResultRow | dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write rows as a JSON list (atomically: temporary file, then rename)."""
    from imuhar.models.weights import write_json_atomic

    return write_json_atomic([_as_dict(r) for r in rows], path)


def read_results(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows written by :func:`write_results` (a JSON list of objects, or one object)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"no results file at {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path} is not valid JSON ({exc})") from None
    rows = data if isinstance(data, list) else [data]
    for row in rows:
        if not isinstance(row, dict) or any(key not in row for key in ("dataset", "protocol", "accuracy")):
            raise DataFormatError(f"{path} holds a row without dataset/protocol/accuracy: {str(row)[:200]}")
    return rows


def results_frame(rows: Iterable[ResultRow | dict[str, Any]]):
    """Rows as a pandas DataFrame (intervals split into ``<metric>_low`` / ``<metric>_high`` columns)."""
    import pandas as pd

    flat = []
    for row in rows:
        d = _as_dict(row)
        d.pop("confusion", None)
        d.pop("class_names", None)
        for key in [key for key in d if key.endswith("_ci")]:
            low, high = d.pop(key) or (np.nan, np.nan)
            d[f"{key[:-3]}_low"], d[f"{key[:-3]}_high"] = low, high
        flat.append(d)
    return pd.DataFrame(flat)


def summarize_repeats(
    rows: Iterable[ResultRow | dict[str, Any]], metrics: Sequence[str] = ("accuracy", "macro_f1")
) -> list[dict[str, Any]]:
    """Mean and population standard deviation over seeds of each (dataset, split, protocol, model, k).

    Returns rows with ``n_repeats``, ``seeds``, ``<metric>_mean`` and ``<metric>_std`` (percent), sorted by
    dataset, protocol, model and k.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        d = _as_dict(row)
        key = tuple(d.get(f) for f in _IDENTITY if f != "seed")
        groups.setdefault(key, []).append(d)
    out = []
    for key, members in groups.items():
        entry = dict(zip([f for f in _IDENTITY if f != "seed"], key))
        entry["n_repeats"] = len(members)
        entry["seeds"] = sorted(int(m["seed"]) for m in members)
        for metric in metrics:
            values = np.array([m[metric] for m in members if metric in m], dtype=np.float64)
            if values.size:
                entry[f"{metric}_mean"], entry[f"{metric}_std"] = float(values.mean()), float(values.std())
        out.append(entry)
    return sorted(out, key=lambda e: (str(e["dataset"]), str(e["protocol"]), str(e["model"]), e["k"] or 0))
