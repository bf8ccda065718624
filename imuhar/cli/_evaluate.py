"""``imuhar evaluate``: a grid of benchmarks x protocols for one method; absent benchmarks are listed with why.

Where the files are: ``--data-dir NAME=PATH`` (repeatable) for one benchmark, ``--data-root DIR`` for a folder
holding several (looked up as ``DIR/NAME``, ``DIR/NAME.zip`` and the authors' archive names), else the cache
``$IMUHAR_DATA/NAME``. Results go to ``OUT/results.json`` (one row per run, each stating dataset, split rule,
protocol, model, seed and k), ``OUT/report.md`` and plots.

Methods: ``unimts`` (a text-aligned model: zero-shot and few-shot linear probe) and ``fusionactnet``
(supervised, trained per seed with validation subjects carved from the training subjects).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Archive or folder names the authors (or ../shared/data) use, per benchmark.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "uci-har": ("uci-hapt.zip", "uci-hapt", "UCI HAR Dataset.zip", "UCI HAR Dataset", "human+activity+recognition+using+smartphones.zip"),
    "utd-mhad": ("utd-mhad", "UTD-MHAD"),
    "sp-sw-har": ("sp-sw-har.zip", "sp-sw-har"),
}


def find_data(name: str, root: Path | None, explicit: dict[str, Path]) -> tuple[Path | None, str]:
    """Where a benchmark's files are, or ``(None, reason)``."""
    from ..datasets import get_dataset

    if name in explicit:
        p = explicit[name]
        return (p, "") if p.exists() else (None, f"--data-dir {name}={p} does not exist")
    ds = get_dataset(name)
    if ds.embedded:
        return None, ""
    candidates = []
    if root is not None:
        candidates += [root / n for n in (name, f"{name}.zip", *KNOWN_NAMES.get(name, ()))]
    candidates.append(ds.default_dir())
    for c in candidates:
        if c.exists() and (c.is_file() or any(c.iterdir())):
            return c, ""
    return None, f"files not found (looked in {', '.join(str(c) for c in candidates)}); `imuhar datasets download {name}` or pass --data-dir {name}=PATH"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("evaluate", help="evaluate a method over many benchmarks and protocols",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", choices=("unimts", "fusionactnet"), default="unimts")
    p.add_argument("--benchmarks", default="all", help="'all' or comma-separated registry names")
    p.add_argument("--protocols", default="zero-shot,few-shot", help="unimts: zero-shot, few-shot")
    p.add_argument("--model", default="default", help="unimts weights: 'default' or a .safetensors path")
    p.add_argument("--k", default="1,2,3,5,10")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seeds", default="0,1,2", help="fusionactnet training seeds")
    p.add_argument("--data-root", type=Path, help="folder holding several benchmarks' files")
    p.add_argument("--data-dir", action="append", default=[], metavar="NAME=PATH", help="one benchmark's files")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quiet", action="store_true")
    return p


def _explicit(items: list[str]) -> dict[str, Path]:
    from ..core import InvalidParameterError

    out = {}
    for item in items:
        if "=" not in item:
            raise InvalidParameterError(f"--data-dir takes NAME=PATH (e.g. uci-har=../shared/data/uci-hapt.zip); received {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = Path(v).expanduser()
    return out


def run(args: argparse.Namespace) -> int:
    from ..core import ImuharError, InvalidParameterError
    from ..datasets import list_datasets
    from ..evaluation import markdown_report, plot_k_shot_curve, write_results

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    names = list_datasets() if args.benchmarks == "all" else [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    unknown = [n for n in names if n not in list_datasets()]
    if unknown:
        raise InvalidParameterError(f"unknown benchmark(s) {unknown}; see `imuhar datasets list`")
    protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    bad = set(protocols) - {"zero-shot", "few-shot"}
    if args.method == "unimts" and bad:
        raise InvalidParameterError(f"unimts protocols are zero-shot and few-shot; received {sorted(bad)}")
    explicit = _explicit(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[Any] = []
    skipped: dict[str, str] = {}
    summaries: list[dict[str, Any]] = []
    model = None
    for name in names:
        path, reason = find_data(name, args.data_root, explicit)
        if reason:
            skipped[name] = reason
            print(f"- {name}: skipped ({reason})")
            continue
        try:
            if args.method == "unimts":
                from ..methods.unimts._benchmark import benchmark_windows
                from ..methods.unimts._evaluate import evaluate_few_shot, evaluate_zero_shot, load_model

                model = model or load_model(args.model)
                data = benchmark_windows(name, path, verbose=not args.quiet)
                if "zero-shot" in protocols:
                    row = evaluate_zero_shot(model, name, path, data=data, model_name=str(args.model))
                    rows.append(row)
                    print(f"- {name} zero-shot: accuracy {row.metrics['accuracy']:.1f} %, macro-F1 {row.metrics['macro_f1']:.1f} %")
                if "few-shot" in protocols:
                    ks = [int(k) for k in args.k.split(",")]
                    few = evaluate_few_shot(model, name, path, data=data, ks=ks, repeats=args.repeats, model_name=str(args.model))
                    rows.extend(few)
                    print(f"- {name} few-shot: {len(few)} runs")
            else:
                from ..methods.fusionactnet import evaluate_fusionactnet

                seeds = [int(s) for s in args.seeds.split(",")]
                res = evaluate_fusionactnet(name, path, seeds=seeds, verbose=not args.quiet)
                summaries.append(res)
                print(f"- {name} fusionactnet: accuracy {res['accuracy']:.2f} ± {res['accuracy_std']:.2f} %, "
                      f"macro-F1 {res['macro_f1']:.2f} %")
        except ImuharError as exc:
            skipped[name] = f"failed: {exc}"
            print(f"- {name}: failed ({exc})")
    if rows:
        write_results(rows, args.out / "results.json")
        notes = [f"skipped {k}: {v}" for k, v in skipped.items()]
        (args.out / "report.md").write_text(markdown_report(rows, title=f"imuhar evaluate: {args.method}", notes=notes))
        if any(r.protocol == "few-shot" for r in rows):
            plot_k_shot_curve(rows, args.out / "k_shot.png")
    if summaries:
        (args.out / "results.json").write_text(json.dumps(summaries, indent=2, default=str))
    (args.out / "skipped.json").write_text(json.dumps(skipped, indent=2))
    print(f"wrote {args.out}")
    return 0
