"""`evaluate_fusionactnet`: FusionActNet and its no-gate ablation on a benchmark's subject split, over seeds."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ...core import InvalidParameterError, Windows
from .._base import check_disjoint_subjects
from ._data import nine_channel_windows
from ._method import FusionActNet

__all__ = ["LOAD_OPTIONS", "WINDOW_SETTINGS", "benchmark_windows", "evaluate_fusionactnet", "subject_folds"]

logger = logging.getLogger(__name__)

#: Windowing per benchmark (keyword arguments of :func:`nine_channel_windows`). UCI-HAR: the release's
#: 2.56 s / 50 % windows inside labelled segments. UTD-MHAD: each trial is one action of 2-4 s, windowed at
#: 1.28 s. SP-SW-HAR: 100 Hz resampled to 50 Hz; standing up and sitting down last 1-3 s, so windows slide
#: over whole executions and take the majority label.
WINDOW_SETTINGS: dict[str, dict[str, Any]] = {
    "uci-har": dict(length_s=2.56, overlap=0.5, per_segment=True, label_rule="strict"),
    "utd-mhad": dict(length_s=1.28, overlap=0.5, per_segment=True, label_rule="strict", short="tile"),
    "sp-sw-har": dict(length_s=1.28, overlap=0.5, target_rate_hz=50.0, per_segment=False, label_rule="majority"),
}
_DEFAULT_WINDOWS = dict(length_s=2.56, overlap=0.5, target_rate_hz=50.0, per_segment=True, label_rule="strict")

#: Loader options per benchmark. UTD-MHAD: one fixed node for every trial (the protocol's wrist/thigh placement
#: would tell actions 22-27 apart by which node holds data).
LOAD_OPTIONS: dict[str, dict[str, Any]] = {"utd-mhad": {"placement": "right_wrist"}}


def benchmark_windows(
    dataset: str,
    data_dir: str | Path | None = None,
    *,
    window_kwargs: Mapping[str, Any] | None = None,
    load_kwargs: Mapping[str, Any] | None = None,
    verbose: bool = True,
) -> Windows:
    """The benchmark's recordings (benchmark classes only) cut by :func:`nine_channel_windows`.

    Parameters
    ----------
    dataset : str
        Registry name (``"uci-har"``, ``"utd-mhad"``, ``"sp-sw-har"`` ...).
    data_dir : str or Path, optional
        Folder or archive of the authors' files; default the dataset cache.
    window_kwargs : mapping, optional
        Overrides of :data:`WINDOW_SETTINGS` for this dataset.
    load_kwargs : mapping, optional
        Loader options, overriding :data:`LOAD_OPTIONS` for this dataset.
    """
    from ...datasets import load_dataset

    options = {**LOAD_OPTIONS.get(dataset, {}), **(load_kwargs or {})}
    recordings = load_dataset(dataset, data_dir, benchmark=True, verbose=verbose, **options)
    kw = dict(WINDOW_SETTINGS.get(dataset, _DEFAULT_WINDOWS))
    kw.update(window_kwargs or {})
    windows = nine_channel_windows(recordings, verbose=verbose, **kw)
    meta = dict(windows.metadata, dataset=dataset)
    return windows._replace(metadata=meta)


def subject_folds(dataset: str, windows: Windows, *, n_folds: int | None = None, max_folds: int | None = None) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Train/test window indices by subject: the card's test subjects, else grouped k-fold.

    Returns
    -------
    rule : str
        The split rule in words, for the report.
    folds : list of (train_idx, test_idx)
    """
    from ...datasets import get_dataset
    from ...preprocessing import grouped_kfold

    split = get_dataset(dataset).card.split
    if split.test_subjects:
        test = np.isin(windows.subjects, np.asarray(split.test_subjects, dtype=str))
        rule = f"{split.kind}: test subjects {list(split.test_subjects)} ({split.description})"
        return rule, [(np.flatnonzero(~test), np.flatnonzero(test))]
    k = n_folds or split.n_folds or 5
    folds = grouped_kfold(windows, n_splits=k, random_state=0)[: max_folds or k]
    rule = (
        f"grouped {k}-fold by subject (balanced window counts, random_state 0); folds used: {len(folds)}. "
        f"Card: {split.kind}: {split.description}"
    )
    return rule, [(f.train, f.test) for f in folds]


_SELECTION_WORDS = {
    "validation": "epochs selected on validation subjects carved from them",
    "refit": "epochs selected on validation subjects carved from them, then refitted on all training subjects",
    "last": "fixed epoch counts on all training subjects, last epoch kept",
}


def _is_stage(v: Any) -> bool:
    """A stage's record in a member's history (not the refit summary)."""
    return isinstance(v, dict) and "best_epoch" in v


def _scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": 100.0 * float(accuracy_score(y, pred)),
        "macro_f1": 100.0 * float(f1_score(y, pred, average="macro")),
    }


def evaluate_fusionactnet(
    dataset: str = "uci-har",
    data_dir: str | Path | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    *,
    ablation: bool = True,
    windows: Windows | None = None,
    window_kwargs: Mapping[str, Any] | None = None,
    load_kwargs: Mapping[str, Any] | None = None,
    n_folds: int | None = None,
    max_folds: int | None = None,
    verbose: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """Train FusionActNet (and, with ``ablation``, the same network without the gate) per seed; score on test subjects.

    The test windows reach the model only after :meth:`FusionActNet.fit` has returned; each fit selects its
    epochs on subjects carved from its own training windows. Folds without official test subjects are
    grouped by subject; predictions of all folds are pooled before scoring.

    Parameters
    ----------
    dataset : str
        Registry name; its card gives the split and the static/dynamic kinds.
    data_dir : str or Path, optional
        Authors' files (folder or archive).
    seeds : sequence of int
        One full training per seed (and fold).
    ablation : bool
        Also train ``FusionActNet(use_gate=False)`` (one residual network over all classes).
    windows : Windows, optional
        Pre-cut windows (skip loading); ``window_kwargs`` is then ignored.
    window_kwargs : mapping, optional
        Overrides of the dataset's windowing (:data:`WINDOW_SETTINGS`).
    load_kwargs : mapping, optional
        Loader options (:data:`LOAD_OPTIONS`).
    n_folds, max_folds : int, optional
        For datasets without test subjects: number of grouped folds, and how many of them to run.
    verbose : bool
    **params
        Keyword arguments of :class:`FusionActNet` (``seed`` is set per run).

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1`` (means over seeds, percent) with ``*_std``; the same with suffix
        ``_no_gate`` when ``ablation``; ``train_time_s`` (mean per seed, all folds); ``per_seed`` rows;
        ``dataset``, ``split_rule``, ``protocol``, window and class counts, ``params``.
    """
    if "seed" in params:
        raise InvalidParameterError("pass seeds=[...] rather than seed=")
    if not len(seeds):
        raise InvalidParameterError("seeds must hold at least one integer")
    t_load = time.perf_counter()
    if windows is None:
        windows = benchmark_windows(dataset, data_dir, window_kwargs=window_kwargs, load_kwargs=load_kwargs, verbose=verbose)
    windows = windows[windows.labels >= 0]
    load_s = time.perf_counter() - t_load
    rule, folds = subject_folds(dataset, windows, n_folds=n_folds, max_folds=max_folds)
    variants = [("", True)] + ([("_no_gate", False)] if ablation else [])
    rows = []
    for seed in seeds:
        row: dict[str, Any] = {"seed": int(seed)}
        for suffix, use_gate in variants:
            y_true, y_pred, fit_s, details = [], [], 0.0, []
            for train_idx, test_idx in folds:
                train, test = windows[train_idx], windows[test_idx]
                check_disjoint_subjects(train, test, what="training and test windows")
                model = FusionActNet(**{**params, "use_gate": use_gate, "seed": int(seed)})
                model.fit(train, verbose=verbose)
                model.check_held_out(test)  # the test subjects never met fit or its model selection
                fit_s += model.fit_time_s_
                y_true.append(test.labels)
                y_pred.append(model.predict(test))
                details.append(
                    {
                        "validation_subjects": model.validation_subjects_.tolist(),
                        "members": [
                            {
                                "arch": h["arch"],
                                "validation_subjects": h["validation_subjects"],
                                "best_epochs": {k: v["best_epoch"] for k, v in h.items() if _is_stage(v)},
                                "val_accuracy": {k: v["val_accuracy"] for k, v in h.items() if _is_stage(v)},
                                **({"refit_epochs": h["refit_epochs"]} if "refit_epochs" in h else {}),
                            }
                            for h in model.history_
                        ],
                    }
                )
            s = _scores(np.concatenate(y_true), np.concatenate(y_pred))
            row.update({f"accuracy{suffix}": s["accuracy"], f"macro_f1{suffix}": s["macro_f1"], f"train_time_s{suffix}": fit_s})
            row[f"folds{suffix}"] = details
            logger.info("%s seed %d%s: accuracy %.2f %%, macro-F1 %.2f %%, %.0f s", dataset, seed, suffix, s["accuracy"], s["macro_f1"], fit_s)
        rows.append(row)
    out: dict[str, Any] = {"dataset": dataset, "method": "fusionactnet"}
    for suffix, _ in variants:
        for metric in ("accuracy", "macro_f1", "train_time_s"):
            vals = np.array([r[f"{metric}{suffix}"] for r in rows], dtype=float)
            out[f"{metric}{suffix}"] = round(float(vals.mean()), 3)
            out[f"{metric}{suffix}_std"] = round(float(vals.std(ddof=1)) if len(vals) > 1 else 0.0, 3)
    selection = FusionActNet(**params).epoch_selection
    test_subjects = sorted({s for _, te in folds for s in windows.subjects[te].tolist()}, key=lambda v: (len(v), v))
    out.update(
        seeds=[int(s) for s in seeds],
        split_rule=rule,
        test_subjects=test_subjects,
        protocol=(
            f"supervised; per seed and fold: fit on training subjects only, {_SELECTION_WORDS[selection]}, "
            "test subjects scored once after fit; macro-F1 over classes; mean and sample std over seeds"
        ),
        n_windows=int(windows.n_windows),
        n_test_windows=int(sum(len(te) for _, te in folds)),
        classes=list(windows.vocabulary.names),
        kinds=list(windows.vocabulary.kinds),
        channels=list(windows.channels),
        nodes=[n for n, u in zip(windows.nodes, windows.node_mask.any(0)) if u],
        window_s=round(windows.length_s, 4),
        rate_hz=windows.rate_hz,
        load_time_s=round(load_s, 1),
        params={k: (list(v) if isinstance(v, tuple) else v) for k, v in FusionActNet(**params).get_params().items() if k != "seed"},
        per_seed=rows,
    )
    return out
