"""``imuhar zero-shot``: recognize a benchmark's activities with no labelled example, by matching text.

Windows follow the UniMTS protocol (20 Hz, tiled to 10 s, each sensor in the node of its placement); the
prediction is the class whose prompt embedding is nearest. Scored on the benchmark's test subjects (or all
subjects with ``--split all``). UTD-MHAD trials all sit at the right wrist unless ``--placement`` says
otherwise: the documented wrist/thigh assignment depends on the label, so it is never used by default.

``--prototypes CONFIG.toml`` adds simulated prototypes: the corpus of that pretraining recipe (its mocap must
be on this machine) is simulated at the benchmark's placement and window length, each class prompt retrieves
its takes by caption, and windows are scored by ``--alpha`` x prompt similarity + (1 - alpha) x prototype
similarity (both standardized). ``--motion-prior`` (on by default) adds the log-prior that a still window
is one of the card's static activities and a moving one a dynamic activity. No benchmark label is read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("zero-shot", help="zero-shot recognition on a benchmark with a text-aligned model",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, help="registry name (imuhar datasets list)")
    p.add_argument("--data-dir", type=Path, help="folder or archive with the dataset's files")
    p.add_argument("--model", default="default", help="'default' (shipped weights) or a .safetensors path")
    p.add_argument("--split", choices=("test", "all"), default="test", help="subjects scored (default: test)")
    p.add_argument("--templates", choices=("default", "names"), default="default",
                   help="prompt templates: names + descriptions (default) or bare label names (UniMTS)")
    p.add_argument("--text-model", help="local text model folder (default: the one the weights were trained with)")
    p.add_argument("--placement", help="UTD-MHAD: node for every trial (default right_wrist) or 'protocol'")
    p.add_argument("--window-s", type=float, help="override the benchmark's native window length")
    p.add_argument("--json", nargs="?", const="-", metavar="OUT",
                   help="print the result row as JSON (to OUT if given, else stdout)")
    p.add_argument("--plot", type=Path, help="write a confusion-matrix PNG here")
    # defaults None = the library's dev-chosen values, read in run(): parsers stay free of method imports
    p.add_argument("--motion-prior", type=float, default=None, metavar="M_S2",
                   help="threshold (m/s² of |acc| std) of the static/dynamic prior from the card's activity kinds; "
                        "0 switches it off (default imuhar.methods.unimts.DEFAULT_MOTION_PRIOR, chosen on training "
                        "subjects)")
    p.add_argument("--prototypes", type=Path, metavar="CONFIG.toml",
                   help="pretraining config whose corpus gives simulated class prototypes")
    p.add_argument("--alpha", type=float, default=None,
                   help="weight of the prompt scores against the prototype scores (default "
                        "imuhar.methods.unimts.DEFAULT_ALPHA)")
    p.add_argument("--prototype-temperature", type=float, default=None,
                   help="softmax temperature of caption retrieval (default imuhar.methods.unimts.DEFAULT_TEMPERATURE)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--quiet", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    from ..methods.unimts import DEFAULT_MOTION_PRIOR
    from ..methods.unimts._evaluate import evaluate_zero_shot, load_model
    from ..text import NAME_TEMPLATES

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    model = load_model(args.model)
    prior = DEFAULT_MOTION_PRIOR if args.motion_prior is None else args.motion_prior
    data = takes = None
    if args.prototypes:
        from ..methods.unimts import build_corpus, corpus_take_embeddings
        from ..methods.unimts._benchmark import benchmark_windows
        from ..methods.unimts._evaluate import _text_encoder
        from ._pretrain import load_run_config

        data = benchmark_windows(args.dataset, args.data_dir, placement=args.placement, window_s=args.window_s,
                                 verbose=not args.quiet)
        corpus = build_corpus(verbose=not args.quiet, **load_run_config(args.prototypes).corpus)
        takes = corpus_take_embeddings(model, corpus, _text_encoder(args.text_model), data.nodes_in_use,
                                       native_samples=data.native_samples, verbose=not args.quiet)
    row = evaluate_zero_shot(
        model, args.dataset, args.data_dir, split=args.split,
        templates=NAME_TEMPLATES if args.templates == "names" else None, text_model=args.text_model,
        placement=args.placement, window_s=args.window_s, model_name=str(args.model), data=data,
        prototypes=takes, motion_prior=prior or None, verbose=not args.quiet,
        **{k: v for k, v in (("alpha", args.alpha), ("prototype_temperature", args.prototype_temperature))
           if v is not None},
    )  # fmt: skip
    d = row.to_dict()
    if args.plot:
        from ..evaluation import plot_confusion_matrix

        plot_confusion_matrix(row, args.plot)
    if args.json:
        text = json.dumps(d, indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text)
            print(f"wrote {args.json}")
    if not args.json or args.json != "-":
        print(f"{args.dataset} zero-shot ({d['split']}; model {args.model}; {d['n_windows']} windows): "
              f"accuracy {d['accuracy']:.1f} %, macro-F1 {d['macro_f1']:.1f} %, R@2 {d.get('r_at_2', float('nan')):.1f} %")
    return 0
