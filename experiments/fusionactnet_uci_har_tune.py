"""Validation-only tuning of FusionActNet on UCI-HAR's 21 training subjects (the test subjects are dropped on load).

The official test subjects (2, 4, 9, 10, 12, 13, 18, 20, 24) are removed before anything else, so no probe here
can see them. The 21 training subjects are split into grouped dev folds by subject (``--folds`` of
``--n-folds``, balanced window counts, random_state 0); per fold, a candidate configuration is fitted on the
other training subjects (``FusionActNet.fit``, which may carve its own inner validation subjects from them)
and scored on the fold's held-out training subjects. Only these validation scores are printed: accuracy,
macro-F1 and the sitting/standing confusions, pooled over folds.

Candidates are named in :data:`CANDIDATES` (overrides of :data:`fusionactnet_uci_har.PARAMS`, the
configuration of the first committed run); ``--epochs-scale`` shortens every stage for cheap probes.

Run: ``.venv/bin/python experiments/fusionactnet_uci_har_tune.py --candidates current last refit``. The last
line is one JSON object (validation scores per candidate), also appended to
``experiments/results/fusionactnet_uci_har_tune.json`` (a log of every probe, in the order run).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))
from fusionactnet_uci_har import DATA, PARAMS  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "fusionactnet_uci_har_tune.json"

#: Candidate configurations: overrides of the first run's PARAMS.
CANDIDATES: dict[str, dict] = {
    "current": {},
    "last": dict(epoch_selection="last"),
    "refit": dict(epoch_selection="refit"),
    "last_3m": dict(epoch_selection="last", members=("resnet",) * 3),
    "last_e16": dict(epoch_selection="last", expert_epochs=16, gate_epochs=6),
    "last_e8": dict(epoch_selection="last", expert_epochs=8, gate_epochs=4),
    "last_ls": dict(epoch_selection="last", label_smoothing=0.1),
    "last_w32": dict(epoch_selection="last", expert_widths=(32, 64, 128)),
    "last_mix": dict(epoch_selection="last", members=("resnet", "resnet", "mobilenet")),
    "last_ft": dict(epoch_selection="last", expert_lr_mult=0.1),
    "last_rot90": dict(epoch_selection="last", rotation_max_deg=90.0),
}


def dev_windows(data: Path, verbose: bool):
    """UCI-HAR windows of the 21 training subjects only (test subjects dropped here, before any use)."""
    from imuhar.datasets import get_dataset
    from imuhar.methods.fusionactnet import benchmark_windows

    w = benchmark_windows("uci-har", data, verbose=verbose)
    w = w[w.labels >= 0]
    test = np.asarray(get_dataset("uci-har").card.split.test_subjects, dtype=str)
    w = w[~np.isin(w.subjects, test)]
    if np.isin(w.subjects, test).any() or len(np.unique(w.subjects)) != 21:
        raise RuntimeError("test subjects leaked into the tuning windows")
    return w


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--candidates", nargs="+", default=["current", "last"], choices=list(CANDIDATES))
    parser.add_argument("--n-folds", type=int, default=3, help="grouped dev folds over the 21 training subjects")
    parser.add_argument("--folds", type=int, nargs="+", default=None, help="which dev folds to run (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every stage's epochs (cheap probes)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-gate", action="store_true", help="probe the no-gate ablation instead")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import torch
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    from imuhar.methods.fusionactnet import FusionActNet
    from imuhar.preprocessing import grouped_kfold

    torch.set_num_threads(args.threads)
    w = dev_windows(args.data, verbose=False)
    folds = grouped_kfold(w, n_splits=args.n_folds, random_state=0)
    chosen = args.folds if args.folds is not None else list(range(args.n_folds))
    names = list(w.vocabulary.names)
    sit, stand = names.index("sitting"), names.index("standing")
    out: dict = {}
    for cand in args.candidates:
        params = {**PARAMS, **CANDIDATES[cand], "use_gate": not args.no_gate, "seed": args.seed}
        for k in ("expert_epochs", "gate_epochs"):
            params[k] = max(2, int(round(params[k] * args.epochs_scale)))
        y_true, y_pred, per_fold, t0 = [], [], [], time.perf_counter()
        for f in chosen:
            tr, va = w[folds[f].train], w[folds[f].test]
            model = FusionActNet(**params).fit(tr, verbose=False)
            pred = model.predict(va)
            per_fold.append(round(100 * float(accuracy_score(va.labels, pred)), 2))
            y_true.append(va.labels)
            y_pred.append(pred)
            print(f"{cand} fold {f} (val subjects {sorted(set(va.subjects.tolist()))}): {per_fold[-1]:.2f} %", flush=True)
        yt, yp = np.concatenate(y_true), np.concatenate(y_pred)
        cm = confusion_matrix(yt, yp, labels=list(range(len(names))))
        out[cand] = {
            "val_accuracy": round(100 * float(accuracy_score(yt, yp)), 2),
            "val_macro_f1": round(100 * float(f1_score(yt, yp, average="macro")), 2),
            "val_accuracy_per_fold": per_fold,
            "sitting_as_standing": int(cm[sit, stand]),
            "standing_as_sitting": int(cm[stand, sit]),
            "errors": int((yt != yp).sum()),
            "n_val_windows": int(len(yt)),
            "time_s": round(time.perf_counter() - t0, 1),
            "overrides": {k: (list(v) if isinstance(v, tuple) else v) for k, v in CANDIDATES[cand].items()},
        }
        print(cand, json.dumps(out[cand]), flush=True)
    record = {
        "probe": {"seed": args.seed, "n_folds": args.n_folds, "folds": chosen, "epochs_scale": args.epochs_scale,
                  "no_gate": args.no_gate, "base": "fusionactnet_uci_har.PARAMS"},
        "validation": out,
        "load_average": round(os.getloadavg()[0], 1),
    }  # fmt: skip
    if not args.no_write:
        log = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps([*log, record], indent=2) + "\n")
    print(json.dumps(record))
    return record


if __name__ == "__main__":
    main()
