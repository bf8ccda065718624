"""Few-shot curves: the pretrained text-aligned encoder against the same architecture trained from scratch.

For each benchmark present in ../shared/data and each k in 1, 2, 3, 5, 10 (3 seeded draws of k labelled
windows per class from the TRAINING subjects), three models score the TEST subjects:

- ``probe``: frozen pretrained embeddings + logistic regression (C = 1, fixed);
- ``finetune``: pretrained encoder + linear head, fine-tuned for a fixed number of steps;
- ``scratch``: the same architecture and recipe from random initialization.

Nothing is selected on test subjects (fixed C, fixed steps). Windows follow the zero-shot protocol
(experiments/unimts_zero_shot.py). Also writes experiments/results/unimts_few_shot.png (k-shot curves).

    .venv/bin/python experiments/unimts_few_shot.py [--datasets uci-har,utd-mhad,sp-sw-har] [--steps 60]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IMUHAR_SHARED_DATA", ROOT.parent / "shared" / "data"))
PATHS = {"uci-har": SHARED / "uci-hapt.zip", "utd-mhad": SHARED / "utd-mhad", "sp-sw-har": SHARED / "sp-sw-har.zip"}


def main() -> dict:
    import torch

    from imuhar.evaluation import plot_k_shot_curve, run_few_shot, summarize_repeats
    from imuhar.methods.unimts._benchmark import benchmark_windows
    from imuhar.methods.unimts._evaluate import load_model
    from imuhar.methods.unimts._finetune import finetune_fit_predict
    from imuhar.models import read_weights_config

    p = argparse.ArgumentParser()
    p.add_argument("--model", default="default")
    p.add_argument("--datasets", default="uci-har,utd-mhad,sp-sw-har")
    p.add_argument("--ks", default="1,2,3,5,10")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--models", default="probe,finetune,scratch")
    args = p.parse_args()
    torch.set_num_threads(1)
    ks = [int(k) for k in args.ks.split(",")]
    which = args.models.split(",")
    model = load_model(args.model)
    from imuhar.methods.unimts._evaluate import DEFAULT_WEIGHTS

    record = read_weights_config(DEFAULT_WEIGHTS if args.model == "default" else args.model)
    enc_name, enc_params = record["encoder"], record["params"]
    state = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    out: dict = {"model": args.model, "ks": ks, "repeats": args.repeats, "finetune_steps": args.steps,
                 "protocol": "few-shot: k windows/class from training subjects, seeds 0..repeats-1, fixed C=1 / fixed steps"}
    rows = []
    for name in args.datasets.split(","):
        path = PATHS.get(name)
        if path is None or not path.exists():
            out[f"{name}_skipped"] = f"{path} absent"
            continue
        data = benchmark_windows(name, path)
        train, test = data.train, data.test
        train = train[train.labels >= 0]
        n = len(data.vocabulary)
        common = dict(n_classes=n, dataset=name, split=data.split, ks=ks, repeats=args.repeats,
                      class_names=list(data.vocabulary.names), train_subjects=train.subjects, test_subjects=test.subjects)
        t0 = time.perf_counter()
        if "probe" in which:
            rows += run_few_shot(train.labels, test.labels, model="pretrained+probe", train_x=model.embed_windows(train),
                                 test_x=model.embed_windows(test), classifier="linear", **common)
        for label, init in (("finetune", state), ("scratch", None)):
            if label in which:
                fp = finetune_fit_predict(train, test, n, encoder_name=enc_name, encoder_params=enc_params,
                                          init_state=init, steps=args.steps)
                rows += run_few_shot(train.labels, test.labels, model=f"{'pretrained' if init else 'scratch'}+finetune",
                                     classifier=fp, **common)
        out[f"{name}_seconds"] = round(time.perf_counter() - t0, 1)
        out[f"{name}_split"] = data.split
        print(f"{name}: done in {out[f'{name}_seconds']} s", file=sys.stderr)
    for e in summarize_repeats(rows):
        key = f"{e['dataset'].replace('-', '_')}_{e['model'].replace('+', '_')}_k{e['k']}"
        out[f"{key}_accuracy"] = round(e["accuracy_mean"], 2)
        out[f"{key}_macro_f1"] = round(e["macro_f1_mean"], 2)
        out[f"{key}_macro_f1_std"] = round(e["macro_f1_std"], 2)
    res = ROOT / "experiments" / "results"
    res.mkdir(parents=True, exist_ok=True)
    if rows:
        plot_k_shot_curve(rows, res / "unimts_few_shot.png")
        (res / "unimts_few_shot_rows.json").write_text(json.dumps([r.to_dict() for r in rows], indent=1, default=str))
    (res / "unimts_few_shot.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
