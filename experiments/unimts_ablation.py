"""Ablations of the text-aligned pretraining: what each ingredient is worth in zero-shot accuracy.

Variants, each pretrained with the default recipe (experiments/pretrain_default.toml) for the same number of
epochs (default 16) and seed, changing one thing:

- ``full``: the recipe as shipped;
- ``no_rotation``: no per-node SO(3) rotation of the simulated sensors;
- ``no_gyro``: accelerometer only (the released UniMTS reads acc only);
- ``cnn``: a 1-D CNN over the stacked node channels instead of the graph network;
- ``names_only_prompts``: the full model, zero-shot prompts from bare label names (UniMTS's prompts).

Another local text encoder than MiniLM is not available offline here (CLIP weights cannot be fetched), so that
row is absent. Each variant is scored zero-shot on the test subjects of every benchmark present (same protocol
as experiments/unimts_zero_shot.py). Weights land in runs/ablation/<variant>/ and are reused if present.

    .venv/bin/python experiments/unimts_ablation.py [--epochs 16] [--variants full,no_rotation,no_gyro,cnn]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IMUHAR_SHARED_DATA", ROOT.parent / "shared" / "data"))
BENCHMARKS = {"uci-har": SHARED / "uci-hapt.zip", "utd-mhad": SHARED / "utd-mhad", "sp-sw-har": SHARED / "sp-sw-har.zip", "basicmotions": None}


def main() -> dict:
    import torch

    from imuhar.cli._pretrain import load_run_config
    from imuhar.methods.unimts import TextAlignedIMU, build_corpus, pretrain
    from imuhar.methods.unimts._benchmark import benchmark_windows
    from imuhar.methods.unimts._evaluate import evaluate_zero_shot
    from imuhar.text import NAME_TEMPLATES, TextEncoder

    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--variants", default="full,no_rotation,no_gyro,cnn")
    args = p.parse_args()
    torch.set_num_threads(1)
    run = load_run_config(ROOT / "experiments" / "pretrain_default.toml")
    base = dataclasses.replace(run.train, epochs=args.epochs)
    changes = {
        "full": {},
        "no_rotation": {"rotate": False},
        "no_gyro": {"use_gyro": False},
        "cnn": {"encoder": "cnn", "encoder_params": {}},
    }
    corpus = None
    text = TextEncoder()
    data = {n: benchmark_windows(n, p_) for n, p_ in BENCHMARKS.items() if p_ is None or p_.exists()}
    out: dict = {"epochs": args.epochs, "seed": base.seed, "protocol": "zero-shot on test subjects, 20 Hz tiled to 10 s",
                 "splits": {n: d.split for n, d in data.items()}}
    for variant in args.variants.split(","):
        cfg = dataclasses.replace(base, **changes[variant])
        weights = ROOT / "runs" / "ablation" / variant / "model.safetensors"
        t0 = time.perf_counter()
        if not weights.exists():
            corpus = corpus or build_corpus(verbose=False, **run.corpus)
            pretrain(corpus, text, cfg, out=weights, checkpoint_dir=weights.parent / "checkpoints", verbose=False)
        model = TextAlignedIMU.load(weights)
        out[f"{variant}_pretrain_s"] = round(time.perf_counter() - t0, 1)
        prompt_sets = [(variant, None)] + ([("names_only_prompts", NAME_TEMPLATES)] if variant == "full" else [])
        for label, templates in prompt_sets:
            for name, d in data.items():
                row = evaluate_zero_shot(model, name, BENCHMARKS[name], data=d, model_name=label, templates=templates)
                key = f"{label}_{name.replace('-', '_')}"
                out[f"{key}_accuracy"] = round(row.metrics["accuracy"], 2)
                out[f"{key}_macro_f1"] = round(row.metrics["macro_f1"], 2)
                print(f"{label:>20} {name:>12}: accuracy {row.metrics['accuracy']:5.1f} %  macro-F1 {row.metrics['macro_f1']:5.1f} %",
                      file=sys.stderr)
        res = ROOT / "experiments" / "results"
        res.mkdir(parents=True, exist_ok=True)
        (res / "unimts_ablation.json").write_text(json.dumps(out, indent=1))  # partial results survive an interruption
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
