"""Zero-shot figures of the text-aligned model on every benchmark whose files are in ../shared/data.

Protocol (UniMTS's comparison protocol, stated per row): windows at 20 Hz tiled to 10 s; UCI-HAR 2.56 s windows
with 50 % overlap from the raw HAPT sessions, 6 benchmark classes, the authors' 9 test subjects; UTD-MHAD one
window per trial, every trial at the right wrist (the label-dependent wrist/thigh placement is NOT used),
test subjects 2, 4, 6, 8; SP-SW-HAR 2 s windows (phone + watch), subjects s19-s23 held out; BasicMotions the
archive's test half. Prompts: the default templates (names + card descriptions), decided before any result;
bare label names (UniMTS's prompts) are reported beside them, never used to choose.

Model selection: zero-shot learns nothing from a benchmark, so its *training* subjects serve as a development
set: ``*_dev_accuracy`` / ``*_dev_macro_f1`` and their mean ``dev_mean_macro_f1`` are the only figures used to
compare pretraining recipes or checkpoints; the test-subject figures are reported, never used to choose.

    .venv/bin/python experiments/unimts_zero_shot.py [--model PATH]
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
BENCHMARKS = {"uci-har": SHARED / "uci-hapt.zip", "utd-mhad": SHARED / "utd-mhad", "sp-sw-har": SHARED / "sp-sw-har.zip", "basicmotions": None}


def main() -> dict:
    import torch

    from imuhar.methods.unimts._benchmark import benchmark_windows
    from imuhar.methods.unimts._evaluate import evaluate_zero_shot, load_model
    from imuhar.text import NAME_TEMPLATES

    p = argparse.ArgumentParser()
    p.add_argument("--model", default="default")
    p.add_argument("--out", default=None, help="results file (default experiments/results/unimts_zero_shot.json)")
    args = p.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model)
    out: dict = {"model": args.model, "text_model": model.text_model, "protocol": "zero-shot, 20 Hz, tiled to 10 s", "seed": 0, "k": 0}
    rows = []
    for name, path in BENCHMARKS.items():
        if path is not None and not path.exists():
            out[f"{name}_skipped"] = f"{path} absent"
            continue
        t0 = time.perf_counter()
        data = benchmark_windows(name, path)
        row = evaluate_zero_shot(model, name, path, data=data, model_name=args.model)
        names_row = evaluate_zero_shot(model, name, path, data=data, model_name=args.model, templates=NAME_TEMPLATES)
        dev = evaluate_zero_shot(model, name, path, data=data, model_name=args.model, split="train").metrics
        m, mn = row.metrics, names_row.metrics
        key = name.replace("-", "_")
        out[f"{key}_accuracy"] = round(m["accuracy"], 2)
        out[f"{key}_macro_f1"] = round(m["macro_f1"], 2)
        out[f"{key}_r_at_2"] = round(m.get("r_at_2", float("nan")), 2)
        out[f"{key}_accuracy_names_only"] = round(mn["accuracy"], 2)
        out[f"{key}_macro_f1_names_only"] = round(mn["macro_f1"], 2)
        out[f"{key}_dev_accuracy"] = round(dev["accuracy"], 2)
        out[f"{key}_dev_macro_f1"] = round(dev["macro_f1"], 2)
        out[f"{key}_n_windows"] = m["n_windows"]
        out[f"{key}_split"] = row.split
        out[f"{key}_seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row.to_dict())
        print(f"{name}: accuracy {m['accuracy']:.1f} % macro-F1 {m['macro_f1']:.1f} % R@2 {m.get('r_at_2', float('nan')):.1f} % "
              f"(names only: {mn['accuracy']:.1f} / {mn['macro_f1']:.1f}); {m['n_windows']} windows, {out[f'{key}_seconds']} s",
              file=sys.stderr)
    devs = [v for k, v in out.items() if k.endswith("_dev_macro_f1")]
    out["dev_mean_macro_f1"] = round(sum(devs) / len(devs), 2) if devs else None
    res = ROOT / "experiments" / "results"
    res.mkdir(parents=True, exist_ok=True)
    target = Path(args.out) if args.out else res / "unimts_zero_shot.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_name(target.stem + "_rows.json").write_text(json.dumps(rows, indent=1, default=str))
    target.write_text(json.dumps(out, indent=1))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
