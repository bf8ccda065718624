"""Entry point of the ``imuhar`` console command.

Subcommands are modules ``imuhar.cli._<name>`` that define ``add_parser(subparsers) -> ArgumentParser``
and ``run(args) -> int``. They are imported only to build the parser, and heavy libraries (torch,
transformers, sktime) only inside ``run``, so ``imuhar --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from .._version import __version__

# Order shown in --help. A module that does not exist yet is simply not offered.
SUBCOMMANDS: tuple[str, ...] = (
    "demo",
    "datasets",
    "simulate",
    "pretrain",
    "zero_shot",
    "few_shot",
    "evaluate",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imuhar",
        description="Human activity recognition from wearable inertial sensors.",
    )
    parser.add_argument("--version", action="version", version=f"imuhar {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"._{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}._{name}":
                continue
            raise
        sub_parser = module.add_parser(sub)
        sub_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    from ..core import ImuharError

    try:
        return int(args._run(args) or 0)
    except ImuharError as exc:
        print(f"imuhar {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
