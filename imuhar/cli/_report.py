"""``imuhar report``: one markdown report and plots from result files of ``evaluate``, ``zero-shot`` and ``few-shot``.

Reads ``OUT/results.json`` of ``imuhar evaluate`` (or the folder OUT itself), ``imuhar zero-shot --json FILE``
(one row) and ``imuhar few-shot --json FILE`` (a list of rows), and FusionActNet summaries of
``evaluate_fusionactnet``. Writes ``DIR/report.md`` (an overview of mean ± std over seeds and repeats per
dataset, protocol, k and model, each dataset's split rule, then every run with its seed and interval),
``DIR/benchmark_bars.png`` (benchmark x method), ``DIR/k_shot.png`` (k-shot curves, when few-shot rows exist)
and ``DIR/rows.json`` (all rows read, duplicates dropped).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

__all__ = ["load_result_rows", "write_report"]

#: Fields every result row must hold (see :class:`imuhar.evaluation.ResultRow`).
REQUIRED_FIELDS: tuple[str, ...] = ("dataset", "split", "protocol", "model", "seed", "accuracy")
_FIX = (
    "pass files written by `imuhar evaluate --out DIR` (DIR/results.json), `imuhar zero-shot --json FILE` or "
    "`imuhar few-shot --json FILE`"
)


def _is_fusionactnet_summary(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("method") == "fusionactnet" and "per_seed" in obj


def load_result_rows(path: str | Path) -> list[dict[str, Any]]:
    """Result rows of one file (or of ``DIR/results.json`` when ``path`` is a folder), as dicts.

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    DataFormatError
        If it is not JSON, holds no rows, or a row lacks a field of :data:`REQUIRED_FIELDS` or names an
        unknown protocol; the message names the file, the row and the fix.
    """
    from ..core import DataFormatError, DataNotFoundError
    from ..evaluation import PROTOCOLS

    from ._method_eval import fusionactnet_rows

    path = Path(path)
    if path.is_dir():
        if not (path / "results.json").is_file():
            raise DataNotFoundError(f"{path} is a folder without results.json; {_FIX}")
        path = path / "results.json"
    if not path.is_file():
        raise DataNotFoundError(f"results file {path} not found; {_FIX}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataFormatError(f"{path} is not a text (JSON) file; {_FIX}") from None
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); was it cut short or "
            f"edited? Re-run the command that wrote it; {_FIX}"
        ) from None
    items = data if isinstance(data, list) else [data]
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if _is_fusionactnet_summary(item):
            try:
                rows.extend({**r.to_dict(), "source": str(path)} for r in fusionactnet_rows(item))
            except DataFormatError as exc:
                raise DataFormatError(f"{path}: entry {i}: {exc}") from None
            continue
        if not isinstance(item, dict):
            raise DataFormatError(f"{path}: entry {i} is a {type(item).__name__}, not a result row (an object); {_FIX}")
        missing = [f for f in REQUIRED_FIELDS if f not in item]
        if missing:
            raise DataFormatError(
                f"{path}: row {i} lacks {missing} (it has {sorted(item)[:12]}); a result row states dataset, split, "
                f"protocol, model, seed and its metrics; {_FIX}"
            )
        if item["protocol"] not in PROTOCOLS:
            raise DataFormatError(f"{path}: row {i} has protocol {item['protocol']!r}; known protocols are {PROTOCOLS}")
        rows.append({**item, "source": str(path)})
    if not rows:
        raise DataFormatError(f"{path} holds no result rows (an empty list); {_FIX}")
    return rows


def _dedupe(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Drop rows repeated across files (same identity and creation time), so no run is averaged twice.

    ``repeat`` is part of the identity: a registry method's few-shot draws share seed and k, and may share a second.
    """
    seen, out = set(), []
    for r in rows:
        fields = ("dataset", "split", "protocol", "model", "seed", "k", "repeat", "created_utc")
        key = tuple(str(r.get(f)) for f in fields)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out, len(rows) - len(out)


def _overview(rows: list[dict[str, Any]]) -> list[str]:
    """Mean ± std (over seeds and repeats) per dataset, protocol, k and model, then each dataset's split rule."""
    from ..evaluation import summarize_repeats

    lines = ["## Overview: mean ± standard deviation over seeds (repeats)", ""]
    head = ["dataset", "protocol", "k", "model", "seeds", "accuracy %", "macro-F1 %"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(s: dict[str, Any], m: str) -> str:
        if f"{m}_mean" not in s:
            return "-"
        return f"{s[f'{m}_mean']:.1f} ± {s[f'{m}_std']:.1f}" if s["n_repeats"] > 1 else f"{s[f'{m}_mean']:.1f}"

    def seeds(s: dict[str, Any]) -> str:
        unique = sorted(set(s["seeds"]))  # a seed repeats when several draws (repeats) ran under it
        text = ",".join(map(str, unique))
        return text if len(unique) == s["n_repeats"] else f"{text} ({s['n_repeats']} runs)"

    for s in summarize_repeats(rows):
        k = "-" if s["k"] is None else str(s["k"])
        lines.append(
            f"| {s['dataset']} | {s['protocol']} | {k} | {s['model']} | {seeds(s)} | "
            f"{cell(s, 'accuracy')} | {cell(s, 'macro_f1')} |"
        )
    lines += ["", "Splits (test subjects are scored only; model selection never sees them):", ""]
    for dataset in sorted({str(r["dataset"]) for r in rows}):
        for split in sorted({str(r["split"]) for r in rows if str(r["dataset"]) == dataset}):
            users = sorted({f"{r['model']} {r['protocol']}" for r in rows if str(r["dataset"]) == dataset and str(r["split"]) == split})
            lines.append(f"- **{dataset}** ({'; '.join(users)}): {split}")
    return lines


def write_report(
    rows: Sequence[Any],
    out: str | Path,
    *,
    title: str = "imuhar report",
    notes: Sequence[str] = (),
    confusion: bool = False,
) -> dict[str, Path]:
    """Write ``report.md`` and plots for result rows into the folder ``out``.

    Parameters
    ----------
    rows : sequence of ResultRow or dict
    out : path
        Output folder (created).
    title : str
    notes : sequence of str
        Bullet points under the title (sources, command, skipped benchmarks).
    confusion : bool
        Also save one confusion matrix per (dataset, protocol, model, k), summed over seeds, for rows that hold one.

    Returns
    -------
    dict
        ``report``, and ``benchmark_bars``, ``k_shot``, ``confusion:<name>`` where written.
    """
    import numpy as np

    from ..core import InvalidParameterError
    from ..evaluation import ResultRow, markdown_report, plot_benchmark_bars, plot_confusion_matrix, plot_k_shot_curve

    data = [r.to_dict() if isinstance(r, ResultRow) else dict(r) for r in rows]
    if not data:
        raise InvalidParameterError("no result rows to report")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    images: list[str] = []
    written["benchmark_bars"] = plot_benchmark_bars(data, out / "benchmark_bars.png")
    images.append("![benchmark x method: macro-F1](benchmark_bars.png)")
    if any(r["protocol"] == "few-shot" for r in data):
        written["k_shot"] = plot_k_shot_curve(data, out / "k_shot.png")
        images.append("![k-shot curves: macro-F1 against labelled windows per class](k_shot.png)")
    if confusion:
        groups: dict[tuple, list[dict[str, Any]]] = {}
        for r in data:
            if r.get("confusion"):
                groups.setdefault((r["dataset"], r["protocol"], r["model"], r.get("k")), []).append(r)
        for (dataset, protocol, model, k), members in sorted(groups.items(), key=lambda kv: str(kv[0])):
            summed = dict(members[0])
            summed["confusion"] = np.sum([m["confusion"] for m in members], axis=0).tolist()
            summed["seed"] = ",".join(str(m["seed"]) for m in members) + (" (summed)" if len(members) > 1 else "")
            for metric in ("accuracy", "macro_f1"):
                summed[metric] = float(np.mean([m[metric] for m in members]))
            stem = "_".join(str(p) for p in (dataset, protocol, model, "" if k is None else f"k{k}") if p != "")
            name = "confusion_" + "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:120] + ".png"
            written[f"confusion:{name}"] = plot_confusion_matrix(summed, out / name)
            images.append(f"![confusion matrix, {dataset} {protocol} {model}]({name})")
    body = markdown_report(data, title="Every run", notes=())
    # its mean ± std section repeats the overview above (with the long split sentences): keep the per-run table
    body = body.split("\n## Mean ± standard deviation over seeds")[0]
    body = "\n".join("#" + line if line.startswith("#") else line for line in body.splitlines())
    lines = [f"# {title}", "", *[f"- {n}" for n in notes], "", *_overview(data), "", *images, "", body]
    path = out / "report.md"
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    written["report"] = path
    return written


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("report", help="a markdown report and plots from result files",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="+", type=Path, metavar="RESULTS.json",
                   help="result files (or folders holding results.json) of imuhar evaluate / zero-shot / few-shot")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--title", default="imuhar report")
    p.add_argument("--confusion", action="store_true", help="also plot confusion matrices (summed over seeds)")
    p.add_argument("--quiet", action="store_true")
    return p


def run(args: argparse.Namespace) -> int:
    from ..evaluation import write_results

    rows: list[dict[str, Any]] = []
    notes = []
    for path in args.results:
        part = load_result_rows(path)
        rows.extend(part)
        notes.append(f"{path}: {len(part)} row{'' if len(part) == 1 else 's'}")
    rows, dropped = _dedupe(rows)
    if dropped:
        notes.append(f"{dropped} rows repeated across files were counted once")
    written = write_report(rows, args.out, title=args.title, notes=["sources: " + "; ".join(notes)],
                           confusion=args.confusion)  # fmt: skip
    write_results(rows, args.out / "rows.json")
    if not args.quiet:
        for key, path in written.items():
            print(f"wrote {path}" + ("" if key == "report" else f" ({key.split(':')[0].replace('_', ' ')})"))
    print(f"report of {len(rows)} rows: {written['report']}")
    return 0
