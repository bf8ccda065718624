"""``imuhar demo``: the main job on the embedded default data, sktime's BasicMotions (real smartwatch data).

Part 1 loads the recordings, runs the preprocessing chain (resample, low-pass, gravity split, windows, a
standardizer fit on the training split only), prints every step with its effect and plots one recording
per class. Part 2 recognizes the four activities with the shipped text-aligned model: zero-shot (no labelled
example, only the class names and descriptions) and 1- and 5-shot linear probes (3 seeded draws each), on the
archive's test half, and writes a confusion-matrix PNG.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo",
        help="run the main pipeline on BasicMotions (embedded real smartwatch data)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for the plot and the JSON summary")
    p.add_argument("--rate-hz", type=float, default=20.0, help="rate to resample to (default 20 Hz, the UniMTS protocol)")
    p.add_argument("--window-s", type=float, default=4.0, help="window length in seconds")
    p.add_argument("--model", default="default", help="text-aligned weights: 'default' (shipped) or a .safetensors path")
    p.add_argument("--skip-recognition", action="store_true", help="only the preprocessing part")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _plot(recordings, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    by_class = {}
    for r in recordings:
        c = int(np.bincount(r.labels[r.labels >= 0]).argmax())
        by_class.setdefault(c, r)
    fig, axes = plt.subplots(2, len(by_class), figsize=(3.2 * len(by_class), 4.5), sharex=True, squeeze=False)
    for col, (c, r) in enumerate(sorted(by_class.items())):
        node = r.placements[0]
        for row, kind, unit in ((0, "acc", "m/s²"), (1, "gyro", "rad/s")):
            ax = axes[row, col]
            sig = getattr(r, kind).get(node)
            if sig is not None:
                for a, axis in enumerate("xyz"):
                    ax.plot(r.time_s, sig[:, a], lw=0.9, label=axis)
            ax.set_ylabel(f"{kind} ({unit})") if col == 0 else None
            if row == 0:
                ax.set_title(r.vocabulary.names[c])
            if row == 1:
                ax.set_xlabel("time (s)")
    axes[0, 0].legend(loc="upper right", fontsize=7)
    fig.suptitle("BasicMotions: one recording per class (right wrist, after preprocessing)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..datasets import get_dataset
    from ..preprocessing import Standardizer, lowpass, resample, sliding_windows, split_gravity

    t0 = time.perf_counter()
    verbose = not args.quiet
    ds = get_dataset("basicmotions")
    card = ds.card
    recordings = ds.load(verbose=verbose)
    print(f"1. loaded {len(recordings)} recordings of {card.title} ({card.rate_hz:g} Hz, {', '.join(card.vocabulary.names)})")
    print(f"   placement: {sorted({p for r in recordings for p in r.placements})}; split rule: {card.split.description}")

    step_recs = [resample(r, target_rate_hz=args.rate_hz) for r in recordings]
    print(f"2. resampled {card.rate_hz:g} Hz -> {args.rate_hz:g} Hz (polyphase, anti-aliased): "
          f"{recordings[0].n_samples} -> {step_recs[0].n_samples} samples per recording")
    cutoff = min(5.0, 0.45 * args.rate_hz)
    step_recs = [lowpass(r, cutoff_hz=cutoff) for r in step_recs]
    print(f"3. zero-phase Butterworth low-pass at {cutoff:g} Hz")

    windows = sliding_windows(step_recs, length_s=args.window_s, overlap=0.5, label_rule="majority", verbose=False)
    print(f"4. cut {windows!r}")

    test_subjects = sorted(set(card.split.test_subjects))
    train = windows[~np.isin(windows.subjects, test_subjects)]
    test = windows.of_subjects(test_subjects)
    scaler = Standardizer().fit(train)
    train_z, test_z = scaler.transform(train), scaler.transform(test)
    print(f"5. standardizer fit on the {len(train)} training windows only (groups {sorted(str(s) for s in set(train.subjects))}); "
          f"test groups {test_subjects}: {len(test)} windows")
    mean = train_z.x[train_z.node_mask].mean(axis=(0, 2))
    test_mean = test_z.x[test_z.node_mask].mean(axis=(0, 2))
    print(f"   channel means after standardizing: train {np.round(mean, 3).tolist()}, "
          f"test {np.round(test_mean, 2).tolist()} (test statistics were never used)")

    first = np.asarray(recordings[0].acc[recordings[0].placements[0]])
    gravity, body = split_gravity(first, card.rate_hz)
    g_norm = float(np.linalg.norm(gravity, axis=1).mean())
    note = "the watch stores linear acceleration (gravity removed)" if g_norm < 2.0 else "gravity present"
    print(f"6. gravity/body split (0.3 Hz Butterworth) of the first recording: |gravity| = {g_norm:.2f} m/s² "
          f"({note}), body acc rms = {np.sqrt((body ** 2).mean()):.2f} m/s²")

    args.out.mkdir(parents=True, exist_ok=True)
    plot_path = args.out / "basicmotions_signals.png"
    _plot(step_recs, plot_path)
    counts = {card.vocabulary.names[c]: int((windows.labels == c).sum()) for c in range(len(card.vocabulary))}
    summary = {
        "dataset": card.name,
        "split": card.split.description,
        "n_recordings": len(recordings),
        "n_windows": len(windows),
        "windows_per_class": counts,
        "rate_hz": args.rate_hz,
        "window_s": args.window_s,
        "provenance_of_first_window_batch": windows.metadata.get("provenance", []),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    print(f"7. wrote {plot_path}")
    if not args.skip_recognition:
        summary["recognition"] = _recognize(args)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    (args.out / "demo_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"wrote {args.out / 'demo_summary.json'} ({summary['seconds']} s in all)")
    return 0


def _recognize(args: argparse.Namespace) -> dict:
    """Zero-shot and 1-/5-shot recognition of BasicMotions with the text-aligned model."""
    import torch

    from ..evaluation import plot_confusion_matrix, summarize_repeats
    from ..methods.unimts._benchmark import benchmark_windows
    from ..methods.unimts import DEFAULT_MOTION_PRIOR
    from ..methods.unimts._evaluate import evaluate_few_shot, evaluate_zero_shot, load_model

    torch.set_num_threads(1)  # fastest on small batches and busy machines
    model = load_model(args.model)
    data = benchmark_windows("basicmotions")
    zero = evaluate_zero_shot(model, "basicmotions", data=data, model_name=str(args.model), motion_prior=DEFAULT_MOTION_PRIOR)
    few = evaluate_few_shot(model, "basicmotions", data=data, ks=(1, 5), repeats=3, model_name=str(args.model))
    cm_path = args.out / "basicmotions_zero_shot_confusion.png"
    plot_confusion_matrix(zero, cm_path)
    print(f"8. recognition on the {len(data.test)} test windows ({data.split}); model {args.model}, text "
          f"{model.text_model}; windows at 20 Hz tiled to 10 s; zero-shot scorer: {zero.extra.get('scorer', 'prompts')}")
    print(f"   {'protocol':<22}{'accuracy %':>14}{'macro-F1 %':>14}")
    m = zero.metrics
    print(f"   {'zero-shot (no labels)':<22}{m['accuracy']:>14.1f}{m['macro_f1']:>14.1f}")
    table = {"zero-shot": {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}}
    for e in summarize_repeats(few):
        label = f"{e['k']}-shot (3 draws)"
        print(f"   {label:<22}{e['accuracy_mean']:>8.1f} ± {e['accuracy_std']:<4.1f}{e['macro_f1_mean']:>8.1f} ± {e['macro_f1_std']:<4.1f}")
        table[f"{e['k']}-shot"] = {"accuracy": e["accuracy_mean"], "accuracy_std": e["accuracy_std"],
                                   "macro_f1": e["macro_f1_mean"], "macro_f1_std": e["macro_f1_std"]}
    print(f"9. wrote {cm_path}")
    return table
