"""``imuhar evaluate``: a grid of benchmarks x protocols for one method; absent benchmarks are listed with why.

Where the files are: ``--data-dir NAME=PATH`` (repeatable) for one benchmark, ``--data-root DIR`` for a folder
holding several (looked up as ``DIR/NAME``, ``DIR/NAME.zip`` and the authors' archive names), else the cache
``$IMUHAR_DATA/NAME``. Results go to ``OUT/results.json`` (one row per run, each stating dataset, split rule,
protocol, model, seed and k), ``OUT/report.md`` and plots.

Methods: ``unimts`` (a text-aligned model: zero-shot and few-shot linear probe) and every method of the registry
(``imuhar.methods.list_methods()``: fusionactnet, collossl, simclr-har, supervised-tpn, comodo). A registry method
is fitted per seed (``--seeds``) on the training subjects only, carving its validation subjects from them; the
test subjects are scored once after fit (protocol ``full-shot``). ``--protocols few-shot`` (every registry method
but fusionactnet) fits instead on ``--k`` labelled training windows per class, ``--repeats`` draws per k and seed;
a draw too small for the method (e.g. no validation subject to carve) is listed in ``skipped.json``. Set its
hyper-parameters with ``--param KEY=VALUE`` (repeatable; values are JSON literals where they parse: ``--param
finetune_epochs=5 --param lr=1e-3``). Self-supervised methods (collossl, simclr-har) pretrain on the training
windows without labels, then fine-tune on their labels (few-shot: pretrain on every training window, fine-tune on
the k per class). COMODO needs a teacher's view of each window (video, skeleton), which IMU benchmarks do not
carry; on the command line only its undistilled reference runs (``--param objective=none``).
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
    from ..methods import list_methods

    p = sub.add_parser("evaluate", help="evaluate a method over many benchmarks and protocols",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", choices=("unimts", *list_methods()), default="unimts",
                   help="unimts (zero-/few-shot with text-aligned weights) or a registry method")
    p.add_argument("--benchmarks", default="all", help="'all' or comma-separated registry names")
    p.add_argument("--protocols", default=None,
                   help="unimts: zero-shot, few-shot (default both); registry methods: full-shot (the default), few-shot "
                        "(not fusionactnet)")
    p.add_argument("--model", default="default", help="unimts weights: 'default' or a .safetensors path")
    p.add_argument("--k", default="1,2,3,5,10", help="few-shot: labelled windows per class (comma-separated)")
    p.add_argument("--repeats", type=int, default=3, help="few-shot: draws per k (and per seed of a registry method)")
    p.add_argument("--seeds", default="0,1,2", help="training seeds of a registry method")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a registry method's hyper-parameter (repeatable), e.g. --param epochs=5")
    p.add_argument("--max-folds", type=int, default=None,
                   help="benchmarks without test subjects: run only this many of the grouped folds")
    p.add_argument("--data-root", type=Path, help="folder holding several benchmarks' files")
    p.add_argument("--data-dir", action="append", default=[], metavar="NAME=PATH", help="one benchmark's files")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-seed lines")
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


def _ints(text: str, what: str) -> list[int]:
    from ..core import InvalidParameterError

    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidParameterError(f"{what} must be comma-separated integers such as 0,1,2; received {text!r}") from None
    if not values:
        raise InvalidParameterError(f"{what} must name at least one integer; received {text!r}")
    return values


def run(args: argparse.Namespace) -> int:
    from ..core import ImuharError, InvalidParameterError
    from ..datasets import list_datasets
    from ._method_eval import check_method_inputs, parse_params
    from ._report import write_report

    names = list_datasets() if args.benchmarks == "all" else [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    unknown = [n for n in names if n not in list_datasets()]
    if unknown:
        raise InvalidParameterError(f"unknown benchmark(s) {unknown}; see `imuhar datasets list`")
    default_protocols = "zero-shot,few-shot" if args.method == "unimts" else "full-shot"
    protocols = [p.strip() for p in (args.protocols or default_protocols).split(",") if p.strip()]
    allowed = {"zero-shot", "few-shot"} if args.method == "unimts" else {"full-shot", "few-shot"}
    if args.method == "fusionactnet":
        allowed = {"full-shot"}  # its own benchmark protocol (evaluate_fusionactnet) has no few-shot variant
    bad = set(protocols) - allowed
    if bad or not protocols:
        raise InvalidParameterError(f"{args.method} protocols are {sorted(allowed)}; received {protocols}")
    params = parse_params(args.param)
    if args.method == "unimts":
        if params:
            raise InvalidParameterError(
                f"--param sets a registry method's hyper-parameters; unimts takes --model, --k and --repeats "
                f"(received --param {sorted(params)})"
            )
    else:
        check_method_inputs(args.method, params)  # fail before any data is loaded
    seeds = _ints(args.seeds, "--seeds")
    if "few-shot" in protocols:
        from ._method_eval import check_few_shot_grid

        ks = check_few_shot_grid(_ints(args.k, "--k"), args.repeats)  # fail before any data is loaded
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    explicit = _explicit(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[Any] = []
    skipped: dict[str, str] = {}
    summaries: list[dict[str, Any]] = []
    model = None
    say = (lambda line: None) if args.quiet else print
    for name in names:
        path, reason = find_data(name, args.data_root, explicit)
        if reason:
            skipped[name] = reason
            print(f"- {name}: skipped ({reason})")
            continue
        try:
            if args.method == "unimts":
                from ..methods.unimts._benchmark import benchmark_windows
                from ..methods.unimts import DEFAULT_MOTION_PRIOR
                from ..methods.unimts._evaluate import evaluate_few_shot, evaluate_zero_shot, load_model

                model = model or load_model(args.model)
                data = benchmark_windows(name, path, verbose=not args.quiet)
                if "zero-shot" in protocols:
                    row = evaluate_zero_shot(model, name, path, data=data, model_name=str(args.model),
                                             motion_prior=DEFAULT_MOTION_PRIOR)
                    rows.append(row)
                    print(f"- {name} zero-shot: accuracy {row.metrics['accuracy']:.1f} %, macro-F1 {row.metrics['macro_f1']:.1f} %")
                if "few-shot" in protocols:
                    few = evaluate_few_shot(model, name, path, data=data, ks=ks, repeats=args.repeats, model_name=str(args.model))
                    rows.extend(few)
                    print(f"- {name} few-shot: {len(few)} runs")
            elif args.method == "fusionactnet":
                from ..methods.fusionactnet import evaluate_fusionactnet

                from ._method_eval import fusionactnet_rows

                res = evaluate_fusionactnet(name, path, seeds=seeds, max_folds=args.max_folds,
                                            verbose=not args.quiet, **params)  # fmt: skip
                summaries.append(res)
                rows.extend(fusionactnet_rows(res, params))
                print(f"- {name} fusionactnet: accuracy {res['accuracy']:.2f} ± {res['accuracy_std']:.2f} %, "
                      f"macro-F1 {res['macro_f1']:.2f} %")
            else:
                import numpy as np

                from ._method_eval import evaluate_registry_few_shot, evaluate_registry_method, method_windows

                say(f"- {name}: loading windows for {args.method}")
                windows = method_windows(args.method, name, path, verbose=not args.quiet)
                say(f"  {windows!r}")
                if "full-shot" in protocols:
                    new = evaluate_registry_method(args.method, name, windows, seeds=seeds, params=params,
                                                   max_folds=args.max_folds, verbose=not args.quiet, progress=say)  # fmt: skip
                    rows.extend(new)
                    acc = np.array([r.metrics["accuracy"] for r in new])
                    f1 = np.array([r.metrics["macro_f1"] for r in new])
                    print(f"- {name} {args.method}: accuracy {acc.mean():.1f} ± {acc.std():.1f} %, "
                          f"macro-F1 {f1.mean():.1f} ± {f1.std():.1f} % over seeds {seeds}")
                if "few-shot" in protocols:
                    few, cells = evaluate_registry_few_shot(
                        args.method, name, windows, ks=ks, repeats=args.repeats, seeds=seeds, params=params,
                        max_folds=args.max_folds, verbose=not args.quiet, progress=say,
                    )  # fmt: skip
                    rows.extend(few)
                    for c in cells:  # one entry per (seed, k, repeat) that could not be fitted, with why
                        skipped[f"{name} few-shot seed {c['seed']} k={c['k']} repeat {c['repeat']}"] = c["reason"]
                    print(f"- {name} {args.method} few-shot: {len(few)} runs over k {ks}, {args.repeats} repeat(s), "
                          f"seeds {seeds}" + (f"; {len(cells)} skipped (see skipped.json)" if cells else ""))
        except ImuharError as exc:
            skipped[name] = f"failed: {type(exc).__name__}: {exc}"
            print(f"- {name}: failed ({type(exc).__name__}: {exc})")
    if rows:
        from ..evaluation import write_results

        write_results(rows, args.out / "results.json")
        notes = [f"method {args.method}; protocols {', '.join(protocols)}"]
        if args.method != "unimts":
            notes.append(f"seeds {seeds}; parameters set: {params or 'none (the method defaults)'}")
        notes += [f"skipped {k}: {v}" for k, v in skipped.items()]
        write_report(rows, args.out, title=f"imuhar evaluate: {args.method}", notes=notes,
                     confusion=args.method != "unimts")  # fmt: skip
    if summaries:
        (args.out / "fusionactnet_summary.json").write_text(json.dumps(summaries, indent=2, default=str))
    (args.out / "skipped.json").write_text(json.dumps(skipped, indent=2))
    print(f"wrote {args.out}" + ("" if rows else " (no results: every benchmark was skipped or failed; see skipped.json)"))
    return 0
