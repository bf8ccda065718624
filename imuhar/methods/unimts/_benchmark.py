"""Benchmarks in the model's protocol: windows with subject-wise splits, zero-shot and few-shot evaluation.

Windows follow the UniMTS comparison protocol: each benchmark's own window length (UCI-HAR's 2.56 s, one
window per trial for trial-segmented datasets), resampled to 20 Hz and tiled to 10 s, each sensor written
into the node of its placement. Splits are by subject: the card's test subjects, or, where a card names none,
the last fifth of the sorted subject ids (fixed before any result was seen).

For UTD-MHAD the default placement is a *fixed* right wrist for every trial, never the documented
wrist/thigh assignment: that assignment depends on the action label, and using it would leak the label
group into a zero-shot input (UniMTS did so; imuhar does not). ``placement="protocol"`` restores it for
comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...core import LabelVocabulary, Windows

__all__ = ["BenchmarkData", "benchmark_windows", "NATIVE_WINDOW_S", "WHOLE_TRIAL_DATASETS"]

#: Native window lengths of benchmarks whose papers define one (seconds); others use 10 s.
NATIVE_WINDOW_S: dict[str, float] = {"uci-har": 2.56, "sp-sw-har": 2.0, "basicmotions": 10.0, "dsads": 5.0}
#: Datasets made of short trials, each one activity: one window per trial.
WHOLE_TRIAL_DATASETS: frozenset[str] = frozenset({"utd-mhad", "usc-had", "mmact"})


@dataclass
class BenchmarkData:
    """Windows of one benchmark in the model protocol, with the split used."""

    name: str
    windows: Windows
    vocabulary: LabelVocabulary
    test_subjects: list[str]
    split: str
    window_s: float | None
    placement: str
    #: Samples of real signal per window before tiling to the protocol length (the median trial for
    #: whole-trial datasets).
    native_samples: int | None = None

    @property
    def train(self) -> Windows:
        return self.windows[~np.isin(self.windows.subjects, self.test_subjects)]

    @property
    def test(self) -> Windows:
        return self.windows.of_subjects(self.test_subjects)

    @property
    def nodes_in_use(self) -> list[str]:
        """Canonical nodes that carry a sensor in some window (the benchmark's placement)."""
        return [n for n, m in zip(self.windows.nodes, self.windows.node_mask.any(axis=0)) if m]

    def labelled(self, split: str = "test") -> Windows:
        """The labelled windows of ``"test"``, ``"train"`` or ``"all"`` subjects."""
        from ...core import InvalidParameterError

        if split not in ("test", "train", "all"):
            raise InvalidParameterError(f"split must be 'test', 'train' or 'all'; received {split!r}")
        windows = {"test": self.test, "train": self.train, "all": self.windows}[split]
        return windows[windows.labels >= 0]


def benchmark_windows(
    name: str,
    data_dir: str | Path | None = None,
    *,
    placement: str | None = None,
    window_s: float | None = None,
    overlap: float = 0.5,
    verbose: bool = False,
) -> BenchmarkData:
    """Load a benchmark and cut its windows in the model protocol (see the module docstring).

    Parameters
    ----------
    name : str
        Registry name (``imuhar datasets list``).
    data_dir : path, optional
        Folder or archive with the authors' files (default: the cache).
    placement : str, optional
        UTD-MHAD only: a node for every trial (default ``"right_wrist"``) or ``"protocol"``.
    window_s : float, optional
        Override the native window length.
    """
    from ...datasets import get_dataset
    from ._zeroshot import protocol_windows

    ds = get_dataset(name)
    card = ds.card
    options: dict[str, Any] = {}
    used_placement = "from the card"
    if name == "utd-mhad":
        used_placement = placement or "right_wrist"
        options["placement"] = used_placement
    recs = ds.load(data_dir, benchmark=True, verbose=verbose, **options)
    vocabulary = recs[0].vocabulary
    if name in WHOLE_TRIAL_DATASETS and window_s is None:
        windows = protocol_windows(recs, whole_recordings=True)
        length = None
        native = int(np.median([r.n_samples / r.sample_rate_hz for r in recs]) * windows.rate_hz)
    else:
        length = window_s if window_s is not None else NATIVE_WINDOW_S.get(name, 10.0)
        windows = protocol_windows(recs, window_s=length, overlap=overlap, verbose=verbose)
        native = int(round(length * windows.rate_hz))
    native = int(np.clip(native, 2, windows.n_samples))
    subjects = sorted({str(s) for s in windows.subjects}, key=_natural)
    if card.split.test_subjects:
        test = [s for s in card.split.test_subjects if s in subjects]
        split = f"{name}: {card.split.description}"
    else:
        n_test = max(1, round(len(subjects) / 5))
        test = subjects[-n_test:]
        split = f"{name}: the last fifth of the sorted subject ids held out for testing ({', '.join(test)}); no official split"
    return BenchmarkData(name, windows, vocabulary, test, split, length, used_placement, native)


def _natural(s: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s))


def describe_protocol(data: BenchmarkData) -> dict[str, Any]:
    """JSON-ready facts of how the windows were made."""
    w = data.windows
    return {
        "rate_hz": w.rate_hz,
        "n_samples": w.n_samples,
        "window_s": data.window_s if data.window_s is not None else "whole trial",
        "tiled_to_s": w.length_s,
        "placement": data.placement,
        "nodes": data.nodes_in_use,
    }
