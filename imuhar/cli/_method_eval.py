"""Evaluation of any registered method on a benchmark, for ``imuhar evaluate``: windows, subject folds, seeds, rows.

Every registry method (:func:`imuhar.methods.list_methods`) is trained the same way: per seed and fold, a fresh
instance is fitted on the training subjects' windows only (each method carves its own validation subjects from
them), :meth:`~imuhar.methods.Method.check_held_out` confirms that no test subject reached ``fit``, and the test
subjects are scored once. Predictions of all folds are pooled into one :class:`~imuhar.evaluation.ResultRow` per
seed (protocol ``full-shot``: every training label is available to the method).

Few-shot (:func:`evaluate_registry_few_shot`): per seed, k and repeat, k labelled windows per class are drawn from
the training subjects (seed ``seed + repeat``); self-supervised methods still pretrain on every training window
(the others passed with label -1), supervised ones see the drawn windows only. One row per (seed, k, repeat); a
fit that fails on so few windows (e.g. no validation subject can be carved) is recorded as a skip with its reason.

Windows and folds are FusionActNet's benchmark settings (:func:`imuhar.methods.fusionactnet.benchmark_windows`,
:func:`~imuhar.methods.fusionactnet.subject_folds`): each benchmark's native window length, windows inside
labelled segments, the card's test subjects or else grouped k-fold by subject. Methods other than FusionActNet
receive the accelerometer and gyroscope channels only (body acceleration is FusionActNet's own input).

Nothing here runs at import time beyond the standard library; torch loads with the method.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

log = logging.getLogger(__name__)

__all__ = [
    "fusionactnet_rows",
    "method_windows",
    "parse_params",
    "evaluate_registry_method",
    "evaluate_registry_few_shot",
    "check_few_shot_grid",
    "check_method_inputs",
]

#: Channels of the windows given to methods other than FusionActNet (its ``body_acc`` channels are dropped).
GENERIC_CHANNEL_PREFIXES: tuple[str, ...] = ("acc.", "gyro.")
#: Anchor devices ColloSSL-style methods try first when ``anchor`` is not set (wrist-worn first, as in the paper).
ANCHOR_PREFERENCE: tuple[str, ...] = ("left_wrist", "right_wrist", "pelvis", "right_hip", "left_hip")


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings as keyword arguments; values are JSON literals where they parse, else strings.

    ``epochs=3`` -> 3, ``lr=1e-3`` -> 0.001, ``use_gate=false`` -> False, ``widths=[8,8]`` -> [8, 8],
    ``encoder=tpn`` -> "tpn", ``objective=none`` -> "none", ``projection_dim=null`` -> None.
    """
    from ..core import InvalidParameterError

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise InvalidParameterError(
                f"--param takes KEY=VALUE with a Python identifier as KEY (e.g. --param epochs=5 --param lr=1e-3); "
                f"received {item!r}"
            )
        value = value.strip()
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            # Python spellings of booleans are accepted too; None is spelt null (objective=none stays a string)
            out[key] = {"True": True, "False": False}.get(value, value)
    return out


def _init_parameters(cls: type) -> list[str]:
    return [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def seed_parameter(cls: type) -> str | None:
    """Name of the constructor argument that seeds a method (``random_state`` or ``seed``), if any."""
    names = _init_parameters(cls)
    return next((n for n in ("random_state", "seed") if n in names), None)


def check_method_inputs(name: str, params: Mapping[str, Any]) -> type:
    """The method's class, after checking that ``params`` are its arguments and that the CLI can give its inputs.

    Raises
    ------
    InvalidParameterError
        For an unknown parameter (the message lists the method's parameters), a seed set through ``--param``,
        or a method that needs inputs a benchmark's IMU files cannot provide (COMODO's teacher).
    """
    from ..core import InvalidParameterError
    from ..methods import get_method_class

    cls = get_method_class(name)
    allowed = _init_parameters(cls)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidParameterError(f"{name} has no parameter(s) {unknown}; its parameters are {allowed}")
    seed_name = seed_parameter(cls)
    if seed_name and seed_name in params:
        raise InvalidParameterError(f"set {name}'s seed with --seeds (e.g. --seeds 0,1,2), not --param {seed_name}=")
    if name == "comodo" and params.get("objective", "comodo") != "none":
        raise InvalidParameterError(
            "comodo distils a frozen teacher's embeddings of a second modality (video clips, skeleton sequences) "
            "that must be row-aligned with the IMU windows; a benchmark's IMU files carry no such input, so the "
            "command line cannot fit it. Use the Python API (Comodo(teacher=...).fit(train, teacher_inputs=...); "
            "see experiments/comodo_utd_mhad.py), or pass --param objective=none for the undistilled reference "
            "(the paper's SVM probe on an untrained student)."
        )
    return cls


def _select_channels(windows, prefixes: Sequence[str]):
    import numpy as np

    # in the order of the prefixes (acc before gyro, as Windows' default channels), x/y/z within each
    idx = [i for p in prefixes for i, c in enumerate(windows.channels) if c.startswith(p)]
    if idx == list(range(windows.n_channels)):
        return windows
    return windows.with_step(
        "select_channels",
        {"channels": [windows.channels[i] for i in idx]},
        x=np.ascontiguousarray(windows.x[:, :, idx]),
        channels=tuple(windows.channels[i] for i in idx),
        channel_mask=windows.channel_mask[:, idx],
    )


def method_windows(method: str, dataset: str, data_dir: str | Path | None, *, verbose: bool = True):
    """A benchmark's labelled windows as ``method`` reads them (see the module docstring).

    Parameters
    ----------
    method : str
        Registry name; ``"fusionactnet"`` keeps its nine channels, others get ``acc`` and ``gyro``.
    dataset : str
        Benchmark registry name.
    data_dir : path or None
        Folder or archive of the authors' files (None: the embedded copy or the cache).

    Returns
    -------
    Windows
        Shape (n_windows, n_nodes, n_channels, n_samples), unlabelled windows removed.
    """
    from ..methods.fusionactnet import benchmark_windows

    windows = benchmark_windows(dataset, data_dir, verbose=verbose)
    windows = windows[windows.labels >= 0]
    if method != "fusionactnet":
        windows = _select_channels(windows, GENERIC_CHANNEL_PREFIXES)
    return windows


def default_anchor(windows) -> str:
    """A node present in every window, for methods fine-tuned on one device (ColloSSL, SimCLR, supervised TPN).

    Raises
    ------
    InvalidParameterError
        If no node is present in every window.
    """
    from ..core import InvalidParameterError

    full = [n for n, m in zip(windows.nodes, windows.node_mask.all(axis=0)) if m]
    if not full:
        used = [n for n, m in zip(windows.nodes, windows.node_mask.any(axis=0)) if m]
        raise InvalidParameterError(
            f"no device is present in every window (nodes in use: {used}); pass --param anchor=NODE and keep only "
            f"windows that hold it"
        )
    return next((n for n in ANCHOR_PREFERENCE if n in full), full[0])


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)


def model_label(name: str, params: Mapping[str, Any]) -> str:
    """``name`` plus the parameters set on the command line, e.g. ``supervised-tpn(finetune_epochs=1)``."""
    if not params:
        return name
    def text(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(_json_safe(v))

    return f"{name}(" + ", ".join(f"{k}={text(v)}" for k, v in sorted(params.items())) + ")"


def _fit_details(model: Any) -> dict[str, Any]:
    """Facts a fitted method exposes about its own model selection (validation subjects, best epochs)."""
    out: dict[str, Any] = {}
    for attr in ("validation_subjects_",):
        if getattr(model, attr, None) is not None:
            out["validation_subjects"] = [str(s) for s in list(getattr(model, attr))]
    hist = getattr(model, "finetune_history_", None)
    if isinstance(hist, dict):
        out["validation_subjects"] = [str(s) for s in hist.get("val_subjects", [])]
        out["best_epoch"] = hist.get("best_epoch")
        out["n_fit_windows"] = hist.get("n_fit")
    if getattr(model, "probe_C_", None) is not None:
        out["probe_C"] = float(model.probe_C_)
    return out


PROTOCOL_TEXT = {
    "supervised": "fit on the training subjects' labelled windows; model selection on validation subjects carved "
    "from the training subjects inside fit; test subjects scored once after fit",
    "self-supervised": "pretrain on the training subjects' windows (labels unused), then train the classifier on "
    "their labels (validation subjects carved from the training subjects); test subjects scored once after fit",
    "comodo": "objective=none: an untrained student (no distillation), the paper's RBF-SVM probe on its embeddings, "
    "C chosen by subject-grouped CV on the training subjects (fixed at 1e5 with fewer than 2 of them or too few "
    "windows); test subjects scored once after fit",
}


def _prepare(name: str, dataset: str, windows, params: Mapping[str, Any], seeds: Sequence[int], n_folds, max_folds):
    """Checked method class, labelled windows, split rule, folds and the constructor arguments shared by every fit."""
    from ..core import InvalidParameterError
    from ..methods.fusionactnet import subject_folds

    cls = check_method_inputs(name, params)
    if not len(seeds):
        raise InvalidParameterError("seeds must hold at least one integer (e.g. --seeds 0,1,2)")
    labelled = windows[windows.labels >= 0]
    rule, folds = subject_folds(dataset, labelled, n_folds=n_folds, max_folds=max_folds)
    folds = [(tr, te) for tr, te in folds if len(tr) and len(te)]
    if not folds:
        raise InvalidParameterError(
            f"{dataset}: the split ({rule}) leaves no fold with both training and test windows among subjects "
            f"{sorted(set(labelled.subjects.tolist()))}"
        )
    chosen = dict(params)
    if "anchor" in _init_parameters(cls) and "anchor" not in chosen:
        chosen["anchor"] = default_anchor(labelled)
    tags = getattr(cls, "tags", ())
    kind = "comodo" if name == "comodo" else ("self-supervised" if "self-supervised" in tags else "supervised")
    return cls, labelled, rule, folds, chosen, kind


def _fit_and_score(cls: type, kwargs: Mapping[str, Any], fit_on, test, n_classes: int, verbose: bool):
    """Fit a fresh instance on ``fit_on``, check that ``test`` is held out, score it once.

    Returns
    -------
    proba : ndarray, shape (n_test, n_classes)
    model : Method
        The fitted instance.
    fit_s : float
        Seconds spent in ``fit``.
    """
    import numpy as np

    model = cls(**kwargs)
    t0 = time.perf_counter()
    model.fit(fit_on, verbose=verbose)
    fit_s = time.perf_counter() - t0
    model.check_held_out(test)  # the test subjects never met fit or its model selection
    proba = np.asarray(model.predict_proba(test), dtype=np.float64)
    if proba.shape[1] < n_classes:  # a method may drop trailing classes it never saw in training
        proba = np.pad(proba, ((0, 0), (0, n_classes - proba.shape[1])))
    return proba, model, fit_s


def _windows_facts(labelled) -> dict[str, Any]:
    used_nodes = [n for n, m in zip(labelled.nodes, labelled.node_mask.any(axis=0)) if m]
    return {
        "rate_hz": float(labelled.rate_hz),
        "window_s": round(float(labelled.length_s), 4),
        "channels": list(labelled.channels),
        "nodes": used_nodes,
    }


def _fit_folds(cls: type, kwargs: Mapping[str, Any], labelled, folds, n_classes: int, verbose: bool, *,
               fit_windows: Callable[[Any], tuple[Any, dict[str, Any]]] | None = None, skip_errors: bool = False):
    """Fit a fresh instance per fold and score the fold's test subjects; predictions of all folds are pooled.

    ``fit_windows(train) -> (windows to fit on, extra fold details)`` chooses what ``fit`` receives (default: the
    fold's training windows). With ``skip_errors`` a typed error of a fit (never a split leak) becomes
    :class:`_CellSkipped` naming the fold. Returns pooled ``(y_true, scores, subjects)``, per-fold details, the
    summed fit seconds and the last fitted model.
    """
    import numpy as np

    from ..core import ImuharError, SplitLeakageError
    from ..methods import check_disjoint_subjects

    y_true, scores, subjects, details = [], [], [], []
    fit_s, model = 0.0, None
    for fold, (train_idx, test_idx) in enumerate(folds):
        train, test = labelled[train_idx], labelled[test_idx]
        check_disjoint_subjects(train, test, what="training and test windows")
        fit_on, extra = (train, {}) if fit_windows is None else fit_windows(train)
        try:
            proba, model, took = _fit_and_score(cls, kwargs, fit_on, test, n_classes, verbose)
        except SplitLeakageError:
            raise
        except ImuharError as exc:
            if not skip_errors:
                raise
            where = f" (fold {fold + 1} of {len(folds)})" if len(folds) > 1 else ""
            raise _CellSkipped(f"{type(exc).__name__}{where}: {exc}") from exc
        fit_s += took
        y_true.append(test.labels)
        scores.append(proba)
        subjects.append(test.subjects)
        details.append({
            "train_subjects": sorted(set(train.subjects.tolist())),
            "test_subjects": sorted(set(test.subjects.tolist())),
            **extra,
            **_fit_details(model),
        })  # fmt: skip
    pooled = (np.concatenate(y_true), np.concatenate(scores), np.concatenate(subjects))
    return pooled, details, fit_s, model


def evaluate_registry_method(
    name: str,
    dataset: str,
    windows,
    *,
    seeds: Sequence[int] = (0,),
    params: Mapping[str, Any] | None = None,
    n_folds: int | None = None,
    max_folds: int | None = None,
    n_bootstrap: int = 1000,
    verbose: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list:
    """Fit method ``name`` per seed (and fold) on training subjects; one result row per seed.

    Parameters
    ----------
    name : str
        Registry name (:func:`imuhar.methods.list_methods`).
    dataset : str
        Benchmark registry name; its card gives the split (:func:`imuhar.methods.fusionactnet.subject_folds`).
    windows : Windows
        Labelled windows of the whole benchmark, shape (n_windows, n_nodes, n_channels, n_samples).
    seeds : sequence of int
        One fit per seed and fold; the seed goes to the method's ``random_state`` / ``seed``.
    params : mapping, optional
        Keyword arguments of the method (``anchor`` defaults to a node present in every window).
    n_folds, max_folds : int, optional
        Datasets without test subjects: grouped folds by subject, and how many of them to run.
    n_bootstrap : int
        Bootstrap resamples of the 95 % intervals (over test windows).
    verbose : bool
        Progress bars of the methods' training loops.
    progress : callable, optional
        Called with one line per finished seed.

    Returns
    -------
    list of ResultRow
        Protocol ``full-shot``, ``k`` None, one per seed, with the confusion matrix and, in ``extra``, the
        parameters, training and test subjects, windowing facts and fit time.
    """
    from ..evaluation import evaluate_scores

    params = dict(params or {})
    cls, labelled, rule, folds, chosen, kind = _prepare(name, dataset, windows, params, seeds, n_folds, max_folds)
    seed_name = seed_parameter(cls)
    n_classes = len(labelled.vocabulary)
    rows = []
    for seed in seeds:
        kwargs = {**chosen, **({seed_name: int(seed)} if seed_name else {})}
        (y_true, scores, subjects), details, fit_s, model = _fit_folds(cls, kwargs, labelled, folds, n_classes, verbose)
        row = evaluate_scores(
            y_true, scores, dataset=dataset, split=rule, protocol="full-shot",
            model=model_label(name, params), seed=int(seed), k=None, class_names=list(labelled.vocabulary.names),
            subjects=subjects, n_bootstrap=n_bootstrap,
            extra={
                "method": name,
                "protocol_detail": PROTOCOL_TEXT[kind],
                "params": _json_safe(model.get_params()),
                "n_train_windows": int(sum(len(tr) for tr, _ in folds)),
                "folds": details,
                "fit_time_s": round(fit_s, 2),
                **_windows_facts(labelled),
            },
        )  # fmt: skip
        rows.append(row)
        if progress is not None:
            progress(
                f"  {dataset} {name} seed {seed}: accuracy {row.metrics['accuracy']:.1f} %, "
                f"macro-F1 {row.metrics['macro_f1']:.1f} % ({fit_s:.0f} s)"
            )
    return rows


#: Methods whose ``fit`` pretrains on every window it is given and trains its classifier on the labelled ones
#: only (labels >= 0), read from their code: ColloSSL and SimCLR (``pretrain`` ignores labels, ``fine_tune`` keeps
#: ``labels != UNLABELLED``), COMODO (its SVM probe keeps ``labels >= 0``; with ``objective=none`` the unlabelled
#: windows serve only its optional batch-norm recalibration). In few-shot they receive every training-subject
#: window, those not drawn relabelled -1. Any other method is fitted on the drawn windows alone.
UNLABELLED_AWARE: frozenset[str] = frozenset({"collossl", "simclr-har", "comodo"})

_DRAW = "k labelled windows per class drawn from the training subjects (seed + repeat)"
_SCORED = "; test subjects scored once after fit"
#: ``protocol_detail`` of few-shot rows, by kind of method (``labelled-only``: a method outside UNLABELLED_AWARE).
FEW_SHOT_TEXT = {
    "self-supervised": _DRAW + "; fit receives every training-subject window, those not drawn with label -1 "
    "(unlabelled): pretraining uses them all, fine-tuning the k per class only (validation subjects carved from the "
    "drawn windows' subjects)" + _SCORED,
    "comodo": _DRAW + "; fit receives every training-subject window, those not drawn with label -1 (objective=none: "
    "an untrained student, no pretraining; unlabelled windows used only by calibrate_batchnorm=true); RBF-SVM probe "
    "on the drawn windows, C by subject-grouped CV only with >= 50 of them and >= 5 per class, else 1e5" + _SCORED,
    "supervised": _DRAW + "; fit receives only these windows (validation subjects carved from their subjects)"
    + _SCORED,
    "labelled-only": _DRAW + "; fit receives only these windows (this method's fit cannot take unlabelled ones, so "
    "the other training windows are not used)" + _SCORED,
}


def check_few_shot_grid(ks: Sequence[int], repeats: int) -> list[int]:
    """``ks`` as a list of distinct positive ints, after checking ``repeats`` >= 1 (InvalidParameterError if not)."""
    from ..core import InvalidParameterError

    ks = [int(k) for k in ks]
    if not ks or any(k < 1 for k in ks):
        raise InvalidParameterError(
            f"k must be positive integers (windows per class, e.g. --k 1,2,3,5,10); received {ks}"
        )
    if len(set(ks)) != len(ks):
        raise InvalidParameterError(f"k values repeat in {ks}; name each once")
    if int(repeats) < 1:
        raise InvalidParameterError(f"repeats must be >= 1 (draws per k); received {repeats}")
    return ks


def evaluate_registry_few_shot(
    name: str,
    dataset: str,
    windows,
    *,
    ks: Sequence[int] = (1, 2, 3, 5, 10),
    repeats: int = 3,
    seeds: Sequence[int] = (0,),
    params: Mapping[str, Any] | None = None,
    n_folds: int | None = None,
    max_folds: int | None = None,
    n_bootstrap: int = 1000,
    verbose: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[list, list[dict[str, Any]]]:
    """Few-shot: per seed, k and repeat, fit ``name`` on k labelled training windows per class, score the test subjects.

    Per fold, :func:`imuhar.evaluation.sample_few_shot` draws k windows of every class among the fold's
    training-subject windows with seed ``seed + repeat`` (the same draw for every method compared; a class with
    fewer than k windows gives all of its own, named in the row's ``classes_with_fewer_than_k``). Methods of
    :data:`UNLABELLED_AWARE` receive every training window with the others relabelled -1 (unlabelled
    pretraining, the usual few-shot protocol of self-supervised learning); others receive the drawn windows only.
    A fresh instance (seed ``seed``) is fitted, :meth:`~imuhar.methods.Method.check_held_out` confirms that no
    test subject reached ``fit``, and the test subjects are scored once; predictions of all folds are pooled.

    Parameters
    ----------
    name, dataset, windows, seeds, params, n_folds, max_folds, n_bootstrap, verbose
        As in :func:`evaluate_registry_method`.
    ks : sequence of int
        Labelled windows per class.
    repeats : int
        Draws per k (draw seeds ``seed, seed + 1, ...``).
    progress : callable, optional
        Called with one line per finished (seed, k).

    Returns
    -------
    rows : list of ResultRow
        Protocol ``few-shot``, one per (seed, k, repeat) that ran; ``seed`` is the method's seed, ``extra``
        holds ``repeat``, ``draw_seed``, labelled windows per class and fold, and the unlabelled windows given.
    skipped : list of dict
        ``seed``, ``k``, ``repeat``, ``reason`` of each (seed, k, repeat) whose fit failed with a typed error
        (e.g. the drawn windows span a single subject, so no validation subject can be carved from them).

    Raises
    ------
    InvalidParameterError
        For an empty or non-positive ``ks``, ``repeats`` < 1, or the errors of :func:`evaluate_registry_method`.
    SplitLeakageError
        If a fitted method saw a test subject (never caught).
    """
    import numpy as np

    from ..core import UNLABELLED, InvalidParameterError
    from ..evaluation import evaluate_scores, sample_few_shot

    ks = check_few_shot_grid(ks, repeats)
    if name == "fusionactnet":
        raise InvalidParameterError(
            "fusionactnet is evaluated by its own benchmark protocol (imuhar.methods.fusionactnet."
            "evaluate_fusionactnet, full-shot only); few-shot runs collossl, simclr-har, supervised-tpn and comodo"
        )
    params = dict(params or {})
    cls, labelled, rule, folds, chosen, kind = _prepare(name, dataset, windows, params, seeds, n_folds, max_folds)
    seed_name = seed_parameter(cls)
    names = list(labelled.vocabulary.names)
    n_classes = len(names)
    unlabelled = name in UNLABELLED_AWARE
    detail = FEW_SHOT_TEXT[kind if unlabelled or kind == "supervised" else "labelled-only"]
    rows: list = []
    skipped: list[dict[str, Any]] = []
    for seed in seeds:
        kwargs = {**chosen, **({seed_name: int(seed)} if seed_name else {})}
        for k in ks:
            t_k = time.perf_counter()
            done = []
            for repeat in range(int(repeats)):
                draw_seed = int(seed) + repeat
                short_names: set[str] = set()

                def draw(train, k=k, draw_seed=draw_seed, short_names=short_names):
                    # every class of the vocabulary: one absent from these training subjects is named short too
                    idx, short = sample_few_shot(train.labels, k, draw_seed, classes=range(n_classes))
                    short_names.update(names[c] for c in short)
                    if unlabelled:
                        y = np.full(train.n_windows, UNLABELLED, dtype=train.labels.dtype)
                        y[idx] = train.labels[idx]
                        fit_on = train.with_step("few_shot_labels", {"k": k, "seed": draw_seed}, labels=y)
                    else:
                        fit_on = train[idx]
                    per_class = np.bincount(train.labels[idx], minlength=n_classes)
                    return fit_on, {
                        "labelled_subjects": sorted(set(train.subjects[idx].tolist())),
                        "labelled_per_class": {names[c]: int(per_class[c]) for c in range(n_classes)},
                        "n_labelled_windows": int(idx.size),
                        "n_unlabelled_windows": int(train.n_windows - idx.size) if unlabelled else 0,
                    }

                try:
                    (y_true, scores, subjects), details, fit_s, model = _fit_folds(
                        cls, kwargs, labelled, folds, n_classes, verbose, fit_windows=draw, skip_errors=True
                    )
                except _CellSkipped as exc:
                    reason = str(exc)
                    skipped.append({"seed": int(seed), "k": k, "repeat": repeat, "reason": reason})
                    log.warning(
                        "%s %s few-shot seed %s k=%s repeat %s skipped: %s", dataset, name, seed, k, repeat, reason
                    )
                    continue
                extra = {
                    "method": name,
                    "protocol_detail": detail,
                    "params": _json_safe(model.get_params()),
                    "repeat": repeat,
                    "draw_seed": draw_seed,
                    "n_train_windows": int(sum(d["n_labelled_windows"] for d in details)),
                    "n_unlabelled_windows": int(sum(d["n_unlabelled_windows"] for d in details)),
                    "folds": details,
                    "fit_time_s": round(fit_s, 2),
                    **_windows_facts(labelled),
                }
                if short_names:
                    extra["classes_with_fewer_than_k"] = sorted(short_names)
                row = evaluate_scores(
                    y_true, scores, dataset=dataset, split=rule, protocol="few-shot",
                    model=model_label(name, params), seed=int(seed), k=k, class_names=names,
                    subjects=subjects, n_bootstrap=n_bootstrap, extra=extra,
                )  # fmt: skip
                rows.append(row)
                done.append(row)
            if progress is not None:
                f1 = np.array([r.metrics["macro_f1"] for r in done])
                n_skip = int(repeats) - len(done)
                text = f"macro-F1 {f1.mean():.1f} ± {f1.std():.1f} % over {len(done)} repeat(s)" if done else "no run"
                progress(
                    f"  {dataset} {name} few-shot seed {seed} k={k}: {text}"
                    + (f", {n_skip} skipped" if n_skip else "")
                    + f" ({time.perf_counter() - t_k:.0f} s)"
                )
    return rows, skipped


class _CellSkipped(Exception):
    """A (seed, k, repeat) whose fit failed with a typed error; recorded as a skip, never raised to the caller."""


def fusionactnet_rows(summary: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> list:
    """Result rows (one per seed, and per seed without the gate) from :func:`evaluate_fusionactnet`'s summary.

    ``params`` (those set on the command line) name the model: ``fusionactnet(expert_epochs=5)``, and
    ``fusionactnet(use_gate=false)`` for the ablation.

    The summary holds accuracy and macro-F1 per seed, not predictions, so these rows carry no confusion matrix
    and no bootstrap interval (``n_bootstrap`` 0).

    Raises
    ------
    DataFormatError
        If ``summary`` lacks ``dataset``, ``split_rule`` or ``per_seed``.
    """
    from ..core import DataFormatError
    from ..evaluation import ResultRow

    missing = [k for k in ("dataset", "split_rule", "per_seed") if k not in summary]
    if missing:
        raise DataFormatError(f"a FusionActNet summary needs {missing}; received keys {sorted(summary)[:20]}")
    params = dict(params or {})
    variants = [("", model_label("fusionactnet", params))]
    if any("accuracy_no_gate" in r for r in summary["per_seed"]):
        variants.append(("_no_gate", model_label("fusionactnet", {**params, "use_gate": False})))
    rows = []
    for per_seed in summary["per_seed"]:
        for suffix, model in variants:
            if f"accuracy{suffix}" not in per_seed:
                continue
            rows.append(ResultRow(
                dataset=str(summary["dataset"]), split=str(summary["split_rule"]), protocol="full-shot", model=model,
                seed=int(per_seed["seed"]), k=None,
                metrics={"accuracy": float(per_seed[f"accuracy{suffix}"]), "macro_f1": float(per_seed[f"macro_f1{suffix}"]),
                         "n_windows": int(summary.get("n_test_windows", 0))},
                n_classes=len(summary.get("classes", [])), class_names=list(summary.get("classes", [])),
                confusion=None, n_bootstrap=0,
                extra={"method": "fusionactnet", "protocol_detail": summary.get("protocol", ""),
                       "params": summary.get("params", {}), "fit_time_s": per_seed.get(f"train_time_s{suffix}"),
                       "rate_hz": summary.get("rate_hz"), "window_s": summary.get("window_s"),
                       "channels": summary.get("channels"), "nodes": summary.get("nodes"),
                       "test_subjects": summary.get("test_subjects")},
            ))  # fmt: skip
    return rows
