"""``imuhar few-shot``: k labelled windows per class from training subjects, a linear probe on frozen embeddings.

Every (k, repeat) draws its own labelled windows (seeded); the probe's regularization is fixed, so nothing is
selected on the test subjects. Rows are printed as a table and optionally written as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("few-shot", help="few-shot linear probe on a benchmark with a pretrained encoder",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--model", default="default")
    p.add_argument("--k", default="1,2,3,5,10", help="comma-separated shots per class")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--classifier", choices=("linear", "centroid"), default="linear")
    p.add_argument("--placement", help="UTD-MHAD: node for every trial (default right_wrist) or 'protocol'")
    p.add_argument("--json", type=Path, help="write the result rows here")
    p.add_argument("--plot", type=Path, help="write the k-shot curve PNG here")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quiet", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    from ..core import InvalidParameterError
    from ..evaluation import summarize_repeats
    from ..methods.unimts._evaluate import evaluate_few_shot, load_model

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        ks = [int(k) for k in args.k.split(",") if k.strip()]
    except ValueError:
        raise InvalidParameterError(f"--k must be comma-separated integers such as 1,5,10; received {args.k!r}") from None
    model = load_model(args.model)
    rows = evaluate_few_shot(model, args.dataset, args.data_dir, ks=ks, repeats=args.repeats, seed=args.seed,
                             classifier=args.classifier, placement=args.placement, model_name=str(args.model),
                             verbose=not args.quiet)
    if args.json:
        args.json.write_text(json.dumps([r.to_dict() for r in rows], indent=2, default=str))
    if args.plot:
        from ..evaluation import plot_k_shot_curve

        plot_k_shot_curve(rows, args.plot)
    print(f"{args.dataset} few-shot ({rows[0].split}; {args.classifier} probe; model {args.model})")
    print(f"{'k':>4} {'repeats':>8} {'accuracy %':>14} {'macro-F1 %':>14}")
    for e in summarize_repeats(rows):
        print(f"{e['k']:>4} {e['n_repeats']:>8} {e['accuracy_mean']:>8.1f} ± {e['accuracy_std']:<4.1f}"
              f" {e['macro_f1_mean']:>8.1f} ± {e['macro_f1_std']:<4.1f}")
    return 0
