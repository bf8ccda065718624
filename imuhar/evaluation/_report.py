"""Human-readable output of result rows: a markdown report, a confusion-matrix plot and a k-shot curve.

The report's tables name, in every row, the dataset, split, protocol, model, seed and k that produced the
figures, so that a table copied elsewhere still says how it was obtained.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from imuhar.core import InvalidParameterError

from ._results import ResultRow, summarize_repeats

__all__ = ["markdown_report", "plot_benchmark_bars", "plot_confusion_matrix", "plot_k_shot_curve"]


def _rows(rows: Iterable[ResultRow | dict[str, Any]]) -> list[dict[str, Any]]:
    return [r.to_dict() if isinstance(r, ResultRow) else dict(r) for r in rows]


def _fmt(row: dict[str, Any], metric: str) -> str:
    if metric not in row or row[metric] is None:
        return "-"
    value = f"{row[metric]:.1f}"
    ci = row.get(f"{metric}_ci")
    return f"{value} [{ci[0]:.1f}, {ci[1]:.1f}]" if ci else value


def markdown_report(
    rows: Iterable[ResultRow | dict[str, Any]],
    *,
    title: str = "Evaluation results",
    metrics: Sequence[str] = ("accuracy", "macro_f1", "r_at_2"),
    notes: Sequence[str] = (),
) -> str:
    """A markdown document: one table of every row, then mean ± std over seeds for repeated protocols.

    Parameters
    ----------
    rows : iterable of ResultRow or dict
    title : str
    metrics : sequence of str
        Metric columns (percent, with their 95 % interval when present).
    notes : sequence of str
        Extra bullet points (e.g. the command that produced the rows).
    """
    data = _rows(rows)
    if not data:
        raise InvalidParameterError("no result rows to report")
    versions = sorted({str(r.get("imuhar_version", "?")) for r in data})
    units = sorted({f"{r.get('ci_unit', 'window')} x {r.get('n_bootstrap', '?')}" for r in data})
    lines = [f"# {title}", ""]
    lines += [
        f"- imuhar {', '.join(versions)}; metrics in percent; 95 % bootstrap intervals in brackets "
        f"(resampling unit x resamples: {', '.join(units)}).",
        *[f"- {n}" for n in notes],
        "",
    ]
    names = {"accuracy": "accuracy", "macro_f1": "macro-F1", "r_at_2": "R@2"}
    head = ["dataset", "split", "protocol", "model", "seed", "k", "windows"] + [names.get(m, m) for m in metrics]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    order = sorted(data, key=lambda r: (str(r["dataset"]), str(r["protocol"]), str(r["model"]), r.get("k") or 0, r["seed"]))
    for r in order:
        cells = [str(r["dataset"]), str(r["split"]), str(r["protocol"]), str(r["model"]), str(r["seed"]),
                 "-" if r.get("k") is None else str(r["k"]), str(r.get("n_windows", "-"))]  # fmt: skip
        lines.append("| " + " | ".join(cells + [_fmt(r, m) for m in metrics]) + " |")
    repeated = [s for s in summarize_repeats(data, metrics) if s["n_repeats"] > 1]
    if repeated:
        lines += ["", "## Mean ± standard deviation over seeds", ""]
        head = ["dataset", "split", "protocol", "model", "k", "seeds"] + [names.get(m, m) for m in metrics]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for s in repeated:
            cells = [str(s["dataset"]), str(s["split"]), str(s["protocol"]), str(s["model"]),
                     "-" if s["k"] is None else str(s["k"]), ",".join(map(str, s["seeds"]))]  # fmt: skip
            cells += [
                f"{s[f'{m}_mean']:.1f} ± {s[f'{m}_std']:.1f}" if f"{m}_mean" in s else "-" for m in metrics
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_confusion_matrix(row: ResultRow | dict[str, Any], path: str | os.PathLike, *, normalize: bool = True) -> Path:
    """Save the row's confusion matrix (rows: true class, columns: predicted) as an image.

    With ``normalize`` each row shows the share of that class's windows (recall on the diagonal).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    r = _rows([row])[0]
    if not r.get("confusion"):
        raise InvalidParameterError("this row holds no confusion matrix (build it with evaluate_scores)")
    conf = np.asarray(r["confusion"], dtype=np.float64)
    names = r.get("class_names") or [str(i) for i in range(conf.shape[0])]
    shown = conf / np.maximum(conf.sum(axis=1, keepdims=True), 1) if normalize else conf
    size = max(4.0, 0.45 * len(names) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if len(names) <= 15:
        for i in range(conf.shape[0]):
            for j in range(conf.shape[1]):
                if conf[i, j]:
                    ax.text(j, i, f"{shown[i, j]:.2f}" if normalize else int(conf[i, j]), ha="center", va="center",
                            fontsize=7, color="white" if shown[i, j] > 0.5 * shown.max() else "black")  # fmt: skip
    import textwrap

    k = "" if r.get("k") is None else f", k={r['k']}"
    # split rules are sentences: wrap them to the figure's width instead of letting them run off the edge
    header = f"{r['dataset']} - {r['protocol']}{k}, seed {r['seed']}; split: {r['split']}"
    width = int(size * 14)
    ax.set_title(
        "\n".join(textwrap.wrap(header, width)[:4])
        + f"\n{r['model']}: accuracy {r['accuracy']:.1f} %, macro-F1 {r['macro_f1']:.1f} %",
        fontsize=8,
    )
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return _save_figure(fig, path)


def plot_k_shot_curve(
    rows: Iterable[ResultRow | dict[str, Any]], path: str | os.PathLike, *, metric: str = "macro_f1"
) -> Path:
    """Save a k-shot curve: ``metric`` (mean ± std over seeds) against k, one line per model, one panel per dataset.

    Only few-shot rows are drawn; zero-shot rows of the same model and dataset are drawn at k = 0 if present.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    import textwrap

    data = _rows(rows)
    few = [r for r in data if r["protocol"] == "few-shot"]
    if not few:
        raise InvalidParameterError("no few-shot rows to plot")
    zero = [r for r in data if r["protocol"] == "zero-shot"]
    datasets = sorted({r["dataset"] for r in few})
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 3.6), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        summary = summarize_repeats([r for r in few if r["dataset"] == dataset], (metric,))
        for model in sorted({s["model"] for s in summary}):
            pts = sorted((s for s in summary if s["model"] == model), key=lambda s: s["k"])
            ks = np.array([s["k"] for s in pts], dtype=float)
            mean = np.array([s[f"{metric}_mean"] for s in pts])
            std = np.array([s[f"{metric}_std"] for s in pts])
            zs = [z[metric] for z in zero if z["dataset"] == dataset and z["model"] == model]
            if zs:
                ks, mean, std = np.r_[0.0, ks], np.r_[np.mean(zs), mean], np.r_[0.0, std]
            label = "\n".join(textwrap.wrap(str(model), 38)[:3])  # long model names (paths, params) wrap
            line = ax.plot(ks, mean, marker="o", label=label)[0]
            ax.fill_between(ks, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        split = next(r["split"] for r in few if r["dataset"] == dataset)

        # the split rule is a sentence: wrap it under the dataset name so neighbouring panels do not collide
        ax.set_title("\n".join([dataset, *textwrap.wrap(str(split), 60)[:3]]), fontsize=8)
        ax.set_xlabel("labelled windows per class (k)")
        ax.set_ylabel(f"{metric.replace('_', '-')} (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)  # below: never over the curves
    fig.tight_layout()
    return _save_figure(fig, path)


def _setting(summary: dict[str, Any]) -> str:
    """Legend label of one (protocol, model, k) group."""
    k = "" if summary.get("k") is None else f", k={summary['k']}"
    return f"{summary['model']} ({summary['protocol']}{k})"


def plot_benchmark_bars(
    rows: Iterable[ResultRow | dict[str, Any]], path: str | os.PathLike, *, metric: str = "macro_f1"
) -> Path:
    """Save a grouped bar chart: ``metric`` (mean ± std over seeds) per benchmark, one bar per model and protocol.

    Few-shot rows are drawn at their largest k only (the k-shot curve shows the rest).

    Parameters
    ----------
    rows : iterable of ResultRow or dict
    path : str or PathLike
        PNG file to write.
    metric : str
        A metric of the rows, in percent (``"macro_f1"``, ``"accuracy"``).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    data = _rows(rows)
    if not data:
        raise InvalidParameterError("no result rows to plot")
    summary = [s for s in summarize_repeats(data, (metric,)) if f"{metric}_mean" in s]
    if not summary:
        raise InvalidParameterError(f"no row holds the metric {metric!r}")
    top_k: dict[tuple, int] = {}
    for s in summary:
        if s["protocol"] == "few-shot" and s["k"] is not None:
            key = (s["dataset"], s["model"])
            top_k[key] = max(top_k.get(key, 0), int(s["k"]))
    summary = [s for s in summary if s["protocol"] != "few-shot" or s["k"] == top_k.get((s["dataset"], s["model"]))]
    datasets = sorted({s["dataset"] for s in summary})
    settings = sorted({_setting(s) for s in summary})
    width = min(0.8 / len(settings), 0.4)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(datasets) * max(1, len(settings)) ** 0.5 + 2.5), 4.0))
    for j, setting in enumerate(settings):
        xs, means, stds = [], [], []
        for i, dataset in enumerate(datasets):
            match = [s for s in summary if s["dataset"] == dataset and _setting(s) == setting]
            if match:
                xs.append(i + (j - (len(settings) - 1) / 2) * width)
                means.append(match[0][f"{metric}_mean"])
                stds.append(match[0][f"{metric}_std"])
        bars = ax.bar(xs, means, width=width * 0.95, yerr=stds, capsize=3, label=setting)
        for x, m, sd in zip(xs, means, stds):  # above the error bar, so the two never overlap
            ax.text(x, m + sd + 1, f"{m:.0f}", ha="center", va="bottom", fontsize=7, color=bars.patches[0].get_facecolor())
    ax.set_xticks(range(len(datasets)), datasets, rotation=20 if len(datasets) > 4 else 0)
    ax.set_ylim(0, 110)
    label = {"macro_f1": "macro-F1", "accuracy": "accuracy", "r_at_2": "R@2"}.get(metric, metric)
    ax.set_ylabel(f"{label} (%), mean ± std over seeds")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=min(3, len(settings)))
    return _save_figure(fig, path, bbox_inches="tight")


def _save_figure(fig, path: str | Path, **savefig_kwargs) -> Path:
    """Write ``fig`` to ``path`` (creating its folder) at 120 dpi and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, **savefig_kwargs)
    plt.close(fig)
    return path
