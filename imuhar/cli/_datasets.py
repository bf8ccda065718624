"""``imuhar datasets``: list the benchmarks, inspect one, download, verify, print a card.

  imuhar datasets list [--json]
  imuhar datasets info NAME [--data-dir DIR] [--benchmark] [-o KEY=VALUE ...] [--json]
  imuhar datasets download NAME [--force]
  imuhar datasets verify [NAME ...] [--data-dir DIR] [--json]
  imuhar datasets card NAME

Files are looked for in ``$IMUHAR_DATA/<name>`` (default ``~/.cache/imuhar``) unless ``--data-dir`` points at a
folder or the archive itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "datasets",
        help="list, inspect, download and verify the benchmark datasets",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    a = actions.add_parser("list", help="registered datasets with classes, rate, placements, license, files present")
    a.add_argument("--json", action="store_true", help="print JSON instead of a table")

    a = actions.add_parser("info", help="parse a dataset's files and summarise what is in them")
    a.add_argument("name")
    a.add_argument("--data-dir", type=Path, help="folder or archive with the files (default: the cache)")
    a.add_argument("--benchmark", action="store_true", help="count only the benchmark classes")
    a.add_argument(
        "-o", "--option", action="append", default=[], metavar="KEY=VALUE",
        help="loader option, e.g. -o placement=right_wrist (utd-mhad) or -o rate_hz=50 (sp-sw-har); repeatable",
    )
    a.add_argument("--json", action="store_true")
    a.add_argument("--quiet", action="store_true", help="no progress bar")

    a = actions.add_parser("download", help="fetch into $IMUHAR_DATA, verify SHA-256, unpack")
    a.add_argument("name")
    a.add_argument("--force", action="store_true", help="replace a copy already in the cache")
    a.add_argument("--timeout-s", type=float, default=10.0, help="connect/read timeout (default 10 s)")
    a.add_argument("--quiet", action="store_true")

    a = actions.add_parser(
        "verify",
        help="self-check every loader on synthetic files, re-check downloaded archives' SHA-256, parse --data-dir",
    )
    a.add_argument("names", nargs="*", help="datasets to check (default: all installed)")
    a.add_argument("--data-dir", type=Path, help="also parse the files here (only with one NAME)")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("card", help="print a dataset's markdown card")
    a.add_argument("name")
    return p


# ---------------------------------------------------------------------------------------------- actions
def _list(args) -> int:
    from ..datasets import REGISTRY, get_dataset, list_datasets

    rows = []
    installed = set(list_datasets())
    for name in REGISTRY:
        if name not in installed:
            rows.append({"name": name, "installed": False})
            continue
        ds = get_dataset(name)
        c = ds.card
        rows.append(
            {
                "name": name,
                "installed": True,
                "classes": len(c.benchmark_vocabulary),
                "rate_hz": c.rate_hz,
                "placements": sorted(set(c.placements.values())),
                "gyro": any("gyro" in k for k in c.sensors.values()),
                "license": c.license,
                "files_present": ds.is_available(),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':<13} {'cls':>3} {'Hz':>5}  {'files':<7} {'placements':<44} license")
    for r in rows:
        if not r["installed"]:
            print(f"{r['name']:<13} {'-':>3} {'-':>5}  {'-':<7} (loader not installed)")
            continue
        places = ", ".join(r["placements"])
        places = places if len(places) <= 44 else places[:41] + "..."
        print(
            f"{r['name']:<13} {r['classes']:>3} {r['rate_hz']:>5g}  {'present' if r['files_present'] else 'absent':<7} "
            f"{places:<44} {r['license'][:40]}"
        )
    return 0


def summarize(recordings) -> dict[str, Any]:
    """What ``imuhar datasets info`` reports about a list of recordings."""
    import numpy as np

    from ..core import UNLABELLED

    counts: dict[str, int] = {}
    for r in recordings:
        ids, n = np.unique(r.labels[r.labels != UNLABELLED], return_counts=True)
        for i, k in zip(ids, n):
            name = r.vocabulary[int(i)].name
            counts[name] = counts.get(name, 0) + int(k)
    order = recordings[0].vocabulary.names if recordings else ()
    rates = sorted({r.sample_rate_hz for r in recordings})
    total = sum(r.n_samples for r in recordings)
    unlabelled = sum(int((r.labels == UNLABELLED).sum()) for r in recordings)
    return {
        "n_recordings": len(recordings),
        "n_subjects": len({r.subject for r in recordings}),
        "subjects": sorted({r.subject for r in recordings}, key=lambda s: (len(s), s)),
        "rate_hz": rates[0] if len(rates) == 1 else rates,
        "placements": sorted(set().union(*(r.placements for r in recordings))) if recordings else [],
        "gyro": any(bool(r.gyro) for r in recordings),
        "classes": {n: counts[n] for n in order if n in counts},
        "n_samples": total,
        "unlabelled_samples": unlabelled,
        "total_hours": round(sum(r.duration_s for r in recordings) / 3600.0, 4),
    }


def _options(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to keyword arguments; values are read as JSON where they parse, else as text."""
    from ..core import InvalidParameterError

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"loader options are KEY=VALUE, e.g. placement=right_wrist; received {pair!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _info(args) -> int:
    from ..datasets import get_dataset

    ds = get_dataset(args.name)
    recs = ds.load(args.data_dir, benchmark=args.benchmark, verbose=not args.quiet, **_options(args.option))
    summary = {"dataset": ds.name, "source": str(args.data_dir or ("package" if ds.embedded else ds.default_dir()))}
    summary.update(summarize(recs))
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{ds.card.title} ({ds.name}) from {summary['source']}")
    print(f"  recordings   {summary['n_recordings']}")
    print(f"  subjects     {summary['n_subjects']}")
    print(f"  rate         {summary['rate_hz']} Hz")
    print(f"  placements   {', '.join(summary['placements'])} ({'acc+gyro' if summary['gyro'] else 'acc only'})")
    print(f"  total        {summary['total_hours']:.3f} h, {summary['n_samples']} samples "
          f"({summary['unlabelled_samples']} unlabelled)")
    print(f"  classes present ({len(summary['classes'])}):")
    width = max((len(n) for n in summary["classes"]), default=0)
    for name, n in summary["classes"].items():
        print(f"    {name:<{width}}  {n:>9} samples  {n / summary['n_samples']:6.1%}")
    return 0


def _download(args) -> int:
    from ..datasets import download

    target = download(args.name, force=args.force, timeout_s=args.timeout_s, verbose=not args.quiet)
    print(f"{args.name}: files in {target}")
    return 0


def _verify_one(name: str, data_dir: Path | None) -> dict[str, Any]:
    import numpy as np

    from ..core import ImuharError
    from ..datasets import get_dataset, verify_download

    row: dict[str, Any] = {"name": name, "ok": True, "checks": []}

    def check(what: str, fn) -> None:
        try:
            detail = fn()
            row["checks"].append({"check": what, "ok": True, "detail": detail})
        except (ImuharError, AssertionError, OSError, ValueError) as exc:
            row["ok"] = False
            row["checks"].append({"check": what, "ok": False, "detail": f"{type(exc).__name__}: {exc}"})

    ds = get_dataset(name)

    def self_test() -> str:
        with tempfile.TemporaryDirectory() as tmp:
            expected = ds.write_sample_files(Path(tmp), np.random.default_rng(0))
            recs = list(ds.module.parse(Path(tmp), verbose=False))
        if len(recs) != expected["n_recordings"]:
            raise AssertionError(f"parsed {len(recs)} recordings from the sample files, expected {expected['n_recordings']}")
        return f"{len(recs)} synthetic recordings parsed"

    check("loader self-test", self_test)
    if (ds.default_dir()).exists() and ds.card.files:

        def sums() -> str:
            bad = [r["filename"] for r in verify_download(ds.card) if not r["ok"]]
            if bad:
                raise AssertionError(f"SHA-256 mismatch for {bad} in {ds.default_dir()}; run imuhar datasets download {name} --force")
            return "cached archives match their SHA-256"

        check("cache checksums", sums)
    if data_dir is not None:
        check("parse --data-dir", lambda: f"{len(ds.load(data_dir, verbose=False))} recordings parsed from {data_dir}")
    return row


def _verify(args) -> int:
    from ..datasets import list_datasets

    names = args.names or list_datasets()
    if args.data_dir is not None and len(names) != 1:
        print("imuhar datasets verify: --data-dir needs exactly one NAME", file=sys.stderr)
        return 2
    rows = [_verify_one(n, args.data_dir) for n in names]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            for c in r["checks"]:
                print(f"{r['name']:<13} {'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}")
    return 0 if all(r["ok"] for r in rows) else 1


def _card(args) -> int:
    from ..datasets import card_to_markdown, get_dataset

    print(card_to_markdown(get_dataset(args.name).card))
    return 0


_ACTIONS = {"list": _list, "info": _info, "download": _download, "verify": _verify, "card": _card}


def run(args) -> int:
    if not getattr(args, "action", None):
        print(__doc__)
        return 0
    return _ACTIONS[args.action](args)
