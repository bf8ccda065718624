"""FusionActNet on UCI-HAR with honest model selection, beside the same network without the gate.

Protocol (every number below is repeated in the JSON record):

* Data: UCI-HAR's 6 activities cut from the raw HAPT recordings (``uci-hapt.zip``, read in place): per session,
  a 20 Hz order-3 zero-phase Butterworth low-pass against noise (UCI-HAR's filter), total acceleration in m/s²
  (the files hold g), gravity = 0.3 Hz order-3 zero-phase low-pass of it, body acceleration = total - gravity.
  Windows of 2.56 s (128 samples at 50 Hz) with 50 % overlap are cut inside each labelled activity segment, as
  the release's were (7,415 training / 2,996 test windows here; 7,352 / 2,947 in the release). Postural
  transitions are not part of the 6-class benchmark and are left out. Input: 9 channels, body acc xyz, gyro
  xyz, total acc xyz, standardized per channel with the mean/std of the fitting windows.
* Split: the official subject split, test subjects 2, 4, 9, 10, 12, 13, 18, 20, 24; 21 training subjects.
* Model selection: every choice was made on validation subjects carved from the 21 training subjects (see
  "Tuning" below). The final fit (``epoch_selection="last"``) trains each ensemble member on all 21 training
  subjects for the validation-chosen number of epochs (16 per expert, 6 for the gate) and keeps the last
  epoch; ``FusionActNet.fit`` receives the training windows only. The test windows are scored once, after
  ``fit`` returns.
* Network (see ``imuhar.methods.fusionactnet``): static expert (sitting, standing, lying) and dynamic expert
  (walking, upstairs, downstairs), each a residual 1-D CNN of 3 blocks (two conv-BN layers, kernel 5, 1x1
  projection skip, max-pool 2; widths 24-48-96), global average pooling, dropout 0.3, linear head; residual
  MobileNet gate (depthwise-separable units 1-2-2 at widths 32-64-128, pooling between stages) -> sigmoid g;
  output ``g * p_static`` and ``(1 - g) * p_dynamic`` in the label order. Two such networks (ensemble members,
  seeds s and s+1) are averaged. Stage 1: each expert on its own classes' windows, 16 epochs, AdamW lr 1e-3,
  weight decay 1e-2, batch 64, one warm-up epoch then cosine decay,
  augmentation: a random roll of the phone about its long (x) axis up to +-45 degrees applied to all three
  vector signals in physical units (keeps the x axis' angle to gravity, i.e. the posture), one amplitude
  factor per window N(1, 0.1), jitter 0.05 standard units, circular shift up to 1/4 window. Stage 2: the
  gate on all windows, 6 epochs, lr 1e-3, experts frozen (weights and batch-norm statistics).
  The paper's experts are wider (64-128-256-512-512) and train 15-60 epochs at batch 10; ours are cut to fit
  a 2-core machine shared with other jobs.
* Ablation ``*_no_gate``: the same residual network trained as one 6-way classifier (same blocks, two members,
  epochs, optimizer, augmentation, last epoch kept).
* Seeds 0, 1, 2 (initialization, data order, augmentation); mean and sample std.
* Tuning, second round (``experiments/fusionactnet_uci_har_tune.py``, log in
  ``experiments/results/fusionactnet_uci_har_tune.json``): the test subjects are dropped on load; the 21
  training subjects form 3 grouped dev folds of 7 (balanced window counts, random_state 0); each candidate is
  fitted on 14 subjects and scored on the other 7, seed 0, validation accuracy pooled over the folds. The first
  committed configuration (``epoch_selection="validation"``: best epoch per stage on 4 carved subjects) gave
  92.06 % (87.05 / 92.93 / 96.22 per fold; 475 of its 589 errors are sitting <-> standing): the epoch picked
  on a few validation subjects is noisy (it sometimes kept epoch 2 of a stage). Fitting on all of a fold's
  subjects for the fixed 12/5 epochs and keeping the last (``"last"``): 95.08 %; the same with three members:
  95.08 % (not worth 1.5x time); 16/6 epochs: 95.43 % (chosen); label smoothing 0.1 at 12/5 epochs: 90.76 % on
  fold 0 against 91.09 % (stopped). The configuration below was fixed from these validation scores before the
  test subjects were scored once with it (3 seeds).
* The first round: hyper-parameters were chosen on a development split inside the training subjects (train on 15 of them,
  score on subjects 1, 7, 15, 22, 28, 30; single seeds, 1-4 min per probe): one 32-64-128 member without the
  roll augmentation 91.6 %, with +-45 degrees 96.7 / 95.0 % (seeds 0 / 1), +-180 degrees 94.0 %; widths
  16-32-64 with weight decay 1e-2, dropout 0.3: 94.8 / 96.3 %; two such members 96.6 / 96.4 % (three: 96.6 %;
  stage-2 fine-tuning at 0.1x: 96.0 %; label smoothing 0.1: 96.2 %); two members of widths 24-48-96:
  96.7 / 97.8 %, of 32-64-128: 96.9 / 97.2 % (slower). Four early probes, before the development split was set
  up, did score the test subjects, all without the roll augmentation, with 32-64-128 experts and 1-15 epochs
  (91.0-95.4 %); no later choice used the test subjects. Dev figures are optimistic (best of ~15 probes).

Result (the one test run of this configuration, seeds 0, 1, 2): accuracy 98.16 +- 0.41 % (98.43 / 98.36 /
97.70), macro-F1 98.23 +- 0.37 %; without the gate 96.13 +- 0.43 % (96.60 / 96.03 / 95.76). The first committed
configuration (per-stage best epoch on 4 carved subjects, 12/5 epochs) had given 96.64 +- 1.21 %.

Run: ``.venv/bin/python experiments/fusionactnet_uci_har.py`` (one torch thread; 24 minutes wall-clock on the
2-core machine shared with other jobs at load average about 3: 300 s of training per seed with the gate, 180 s
without). The last line printed is one JSON object, also written to
``experiments/results/fusionactnet_uci_har.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results" / "fusionactnet_uci_har.json"
DATA = Path(os.environ.get("IMUHAR_SHARED_DATA", ROOT.parent / "shared" / "data")) / "uci-hapt.zip"

# Fixed before scoring the test subjects (chosen on the dev folds of the training subjects described above).
PARAMS = dict(
    members=("resnet", "resnet"),
    expert_widths=(24, 48, 96),
    kernel_size=5,
    gate_widths=(32, 64, 128),
    gate_units=(1, 2, 2),
    dropout=0.3,
    expert_epochs=16,
    gate_epochs=6,
    batch_size=64,
    lr=1e-3,
    gate_lr=1e-3,
    expert_lr_mult=0.0,
    weight_decay=1e-2,
    augment=True,
    rotation_axis="x",
    rotation_max_deg=45.0,
    validation_fraction=0.2,
    epoch_selection="last",
)
SEEDS = (0, 1, 2)
MODEL_SELECTION = (
    "validation only: the 21 training subjects in 3 grouped dev folds of 7 (test subjects dropped on load; "
    "experiments/fusionactnet_uci_har_tune.py, seed 0, pooled dev accuracy). Per-stage best-epoch selection on "
    "4 carved subjects 92.06 %; fixed 12/5 epochs on all fitting subjects, last epoch kept 95.08 %; three members "
    "95.08 %; 16/6 epochs 95.43 % (chosen); label smoothing 0.1 worse on dev fold 0 (90.76 vs 91.09 %). Final fit: "
    "each member on all 21 training subjects, 16 expert / 6 gate epochs, last epoch; test scored once after fit"
)
PAPER = {"accuracy": 97.35, "f1": 97.39, "source": "Saha et al., IEEE Sensors Letters 8(8) 2024 (checkpoint chosen on the test set in the released notebooks)"}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="uci-hapt.zip or its unpacked folder")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy machine)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write the results file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("imuhar.training", "imuhar.datasets", "imuhar.preprocessing"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    import torch

    from imuhar.methods.fusionactnet import evaluate_fusionactnet

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    res = evaluate_fusionactnet("uci-har", args.data, seeds=args.seeds, ablation=True, verbose=False, **PARAMS)
    record = {
        "accuracy": res["accuracy"],
        "macro_f1": res["macro_f1"],
        "accuracy_no_gate": res["accuracy_no_gate"],
        "macro_f1_no_gate": res["macro_f1_no_gate"],
        "accuracy_std": res["accuracy_std"],
        "macro_f1_std": res["macro_f1_std"],
        "accuracy_no_gate_std": res["accuracy_no_gate_std"],
        "macro_f1_no_gate_std": res["macro_f1_no_gate_std"],
        "gate_gain_accuracy": round(res["accuracy"] - res["accuracy_no_gate"], 3),
        "goal_accuracy": 97.4,
        "goal_met": bool(res["accuracy"] >= 97.4),
        "paper": PAPER,
        "train_time_s": res["train_time_s"],
        "train_time_s_std": res["train_time_s_std"],
        "train_time_no_gate_s": res["train_time_s_no_gate"],
        "wall_time_s": round(time.perf_counter() - t0, 1),
        "seeds": res["seeds"],
        "dataset": "uci-har (6 activities, cut from raw HAPT: uci-hapt.zip)",
        "split_rule": res["split_rule"],
        "test_subjects": res["test_subjects"],
        "protocol": res["protocol"],
        "model_selection": MODEL_SELECTION,
        "n_windows": res["n_windows"],
        "n_test_windows": res["n_test_windows"],
        "window_s": res["window_s"],
        "rate_hz": res["rate_hz"],
        "channels": res["channels"],
        "classes": res["classes"],
        "kinds": res["kinds"],
        "params": res["params"],
        "per_seed": res["per_seed"],
        "machine": f"{platform.machine()}, torch {torch.__version__}, {args.threads} thread(s), load average at end {os.getloadavg()[0]:.1f}",
    }
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record))
    return record


if __name__ == "__main__":
    main()
