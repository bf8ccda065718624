"""ColloSSL pretrained on *simulated* body-worn sensor sets from motion capture, fine-tuned on real watch data.

Protocol (stated again in the JSON header):

* Pretraining data: motion capture simulated by :func:`imuhar.simulate.simulate_imu` at 50 Hz with the
  ``consumer_phone`` sensor-noise model at six body nodes: every third take of ``bandai-namco.zip`` (BVH, 30 fps:
  walks, turns, runs, gestures...) and all 61 trials of ``cmu-mocap-iclone.zip`` (BVH, 60 fps); windows of 2 s
  every 1 s, no labels. With six devices the per-batch MMD device selection is not trivial: the device closest to
  the watch (``left_wrist``) is the positive, all devices give other-time negatives weighted by 1 / MMD
  (``closest_pos_all_neg``, the paper's final setting).
* Evaluation: SP-SW-HAR's watch (``left_wrist``) exactly as in ``experiments/collossl_sp_sw_har.py``: the same
  split by subject (grouped_kfold fold 0: 7 test, 16 training subjects) and seeds 0-2, fine-tuning on 10 % / 100 %
  of the training subjects' labels with conv blocks 1-2 frozen (3 label draws per seed at 10 %), selection by
  validation macro-F1 on 20 % of the training subjects, macro-F1 (%) on the test subjects. Baseline: the same
  encoder and head trained from scratch on the same labels. Pretraining hyper-parameters are those of the
  real-data experiment (``COLLOSSL`` there), not tuned again.
* The encoder is pretrained once (seed 0) on simulated data only: no real window reaches pretraining.

Run: ``python experiments/collossl_simulated.py`` (about 8 minutes on one CPU thread); the last line printed is one
JSON object, also written to ``experiments/results/collossl_simulated.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from collossl_sp_sw_har import (  # noqa: E402  (same data, split and fine-tuning as the real-data experiment)
    ANCHOR,
    COLLOSSL,
    FINETUNE,
    FT_EPOCHS,
    LABEL_DRAWS,
    PRETRAIN,
    RATE_HZ,
    fine_tune_score,
    load_windows,
)

RESULTS = ROOT / "experiments" / "results" / "collossl_simulated.json"
SIM_NODES = ("pelvis", "left_hip", "right_hip", "head", "left_wrist", "right_wrist")
SIM_WINDOW_S, SIM_STEP_S = 2.0, 1.0
BANDAI_EVERY = 3


def simulated_windows(archives: list[Path]):
    """Simulate the mocap takes at SIM_NODES and cut unlabelled windows; returns windows, seconds, takes."""
    from imuhar.preprocessing import sliding_windows
    from imuhar.simulate import find_motion_files, load_motion, simulate_imu

    recs = []
    for archive in archives:
        files = find_motion_files(archive)
        if "bandai" in archive.name:
            files = files[::BANDAI_EVERY]
        for k, f in enumerate(files):
            motion = load_motion(f)
            take = Path(str(getattr(f, "name", f))).stem
            # CMU trials are named <subject>_<trial>; Bandai Namco takes carry no performer id.
            subject = f"cmu-{take.split('_')[0]}" if "cmu" in archive.name else "bandai-namco"
            recs.append(simulate_imu(motion, SIM_NODES, rate_hz=RATE_HZ, noise="consumer_phone", seed=k,
                                     subject=subject, recording_id=f"{archive.stem}/{take}"))  # fmt: skip
    windows = sliding_windows(recs, length_s=SIM_WINDOW_S, step_s=SIM_STEP_S, drop_unlabelled=False, verbose=False)
    return windows, sum(r.duration_s for r in recs), len(recs)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = Path(os.environ.get("IMUHAR_SHARED_DATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--mocap", type=Path, nargs="+",
                        default=[shared / "bandai-namco.zip", shared / "cmu-mocap-iclone.zip"])  # fmt: skip
    parser.add_argument("--data", type=Path, default=shared / "sp-sw-har.zip")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from imuhar.methods.collossl import ColloSSL, SupervisedBaseline
    from imuhar.preprocessing import grouped_kfold

    torch.set_num_threads(args.threads)
    t0 = time.time()
    sim, sim_seconds, n_trials = simulated_windows(args.mocap)
    real = load_windows(args.data)
    print(f"simulated: {sim!r} from {n_trials} takes ({sim_seconds:.0f} s); real: {real!r}", file=sys.stderr)
    pre = dict(PRETRAIN, batch_size=args.batch_size)
    collossl = ColloSSL(anchor=ANCHOR, epochs=args.epochs, **pre, **COLLOSSL, **FINETUNE, random_state=0)
    ts = time.time()
    collossl.pretrain(sim, verbose=args.verbose)
    hist = collossl.pretrain_history_
    print(f"pretrained in {time.time() - ts:.0f} s; positives {hist['positives']}", file=sys.stderr)
    mmd = {n: round(float(np.mean([m[n] for m in hist["mmd"]])), 4) for n in hist["mmd"][0]}

    fold = grouped_kfold(real, n_splits=3, random_state=0)[0]
    train, test = real[fold.train], real[fold.test]
    seeds = list(range(args.seeds))
    fractions = (0.1, 1.0)
    scores = {m: {f: [] for f in fractions} for m in ("collossl_sim", "supervised")}
    for run in seeds:
        supervised = SupervisedBaseline(anchor=ANCHOR, random_state=run, **FINETUNE).pretrain(train, verbose=False)
        for name, model in (("collossl_sim", collossl), ("supervised", supervised)):
            for frac in fractions:
                scores[name][frac].append(fine_tune_score(model, train, test, frac, run, name))

    def stat(values):
        return round(float(np.mean(values)), 2), round(float(np.std(values)), 2)

    out: dict = {
        "experiment": "collossl_simulated",
        "pretraining_data": (
            f"{[p.name for p in args.mocap]} (Bandai Namco: every {BANDAI_EVERY}rd take), {n_trials} takes, "
            f"{sim_seconds:.0f} s, simulated at {RATE_HZ:g} Hz, consumer_phone noise, nodes {list(SIM_NODES)}; windows "
            f"{SIM_WINDOW_S:g} s every {SIM_STEP_S:g} s ({sim.n_windows} windows)"
        ),
        "evaluation_data": "sp-sw-har watch (left_wrist), 23 subjects, 5 classes, 50 Hz, 2 s windows every 1 s",
        "anchor_device": f"{ANCHOR} (simulated in pretraining; the real watch in fine-tuning)",
        "split": (
            f"by subject on sp-sw-har: grouped_kfold(n_splits=3, random_state=0) fold 0; test subjects "
            f"{list(fold.test_subjects)}; same split for every seed"
        ),
        "protocol": (
            "ColloSSL pretrained once (seed 0) on simulated unlabelled windows; fine-tuned per seed on 10% / 100% of the "
            "training subjects' watch labels (conv blocks 1-2 frozen; 10%: mean of 3 label draws), best epoch by "
            "validation macro-F1 on 20% of training subjects; supervised = same encoder + head from scratch; macro-F1 on test subjects"
        ),
        "hyperparameters": {"pretrain": dict(pre, epochs=args.epochs), "collossl": COLLOSSL,
                            "finetune": dict(FINETUNE, epochs=FT_EPOCHS, label_draws=LABEL_DRAWS)},  # fmt: skip
        "loss_sign": "+cos similarity as in the paper (the released TF code's keras CosineSimilarity returns -cos)",
        "seeds": seeds,
        "device_selection_positive_counts": hist["positives"],
        "mmd_to_anchor_mean": mmd,
        "pretrain_loss_first_last": [hist["loss"][0], hist["loss"][-1]],
    }
    for name in scores:
        for frac in fractions:
            key = f"{name}_f1_{int(frac * 100)}pct"
            out[key], out[key.replace("_f1_", "_std_")] = stat(scores[name][frac])
            out[key + "_seeds"] = [round(v, 2) for v in scores[name][frac]]
    for frac in fractions:
        diff = np.array(scores["collossl_sim"][frac]) - np.array(scores["supervised"][frac])
        out[f"collossl_sim_minus_supervised_{int(frac * 100)}pct"], out[f"collossl_sim_minus_supervised_std_{int(frac * 100)}pct"] = stat(diff.tolist())
    out["threads"] = args.threads
    out["wall_s"] = round(time.time() - t0, 1)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
