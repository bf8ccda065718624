"""``imuhar pretrain --config FILE.toml``: contrastive IMU-text pretraining on simulated mocap.

The TOML has four tables: ``[corpus]`` (mocap sources: ``bandai``, ``cmu``, ``humanml3d`` paths, the
synthesizers ``postures`` and ``gait`` and their counts, ``rate_hz``), ``[text]`` (``model``: "default" or a local folder), ``[train]`` (the fields
of :class:`imuhar.methods.unimts.PretrainConfig`, with ``[train.encoder_params]``) and ``[output]``
(``weights``, ``checkpoint_dir``). Relative paths are relative to the TOML file. Runs resume from the
latest checkpoint; under ``torchrun --nproc_per_node N`` the batch is split over processes (DDP, gloo on CPU).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..core import InvalidParameterError

_CORPUS_KEYS = {"bandai", "cmu", "humanml3d", "postures", "gait", "posture_holds", "posture_transitions", "rate_hz", "seed"}


@dataclass(frozen=True)
class PretrainRun:
    """A parsed pretraining TOML."""

    corpus: dict[str, Any]
    text_model: str
    train: Any  # PretrainConfig
    weights: Path
    checkpoint_dir: Path | None


def load_run_config(path: str | Path) -> PretrainRun:
    """Parse and check a pretraining TOML; every unknown key is an error naming the allowed ones."""
    from ..methods.unimts import PretrainConfig

    path = Path(path)
    if not path.is_file():
        raise InvalidParameterError(f"config {path} does not exist; see experiments/pretrain_default.toml for an example")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InvalidParameterError(f"{path} is not valid TOML: {exc}") from None
    base = path.parent

    def rel(p: Any) -> Any:
        return str((base / p).resolve()) if isinstance(p, str) else p

    unknown_tables = set(raw) - {"corpus", "text", "train", "output"}
    if unknown_tables:
        raise InvalidParameterError(f"{path}: unknown table(s) {sorted(unknown_tables)}; allowed: corpus, text, train, output")
    corpus = dict(raw.get("corpus", {}))
    bad = set(corpus) - _CORPUS_KEYS
    if bad:
        raise InvalidParameterError(f"{path} [corpus]: unknown key(s) {sorted(bad)}; allowed: {sorted(_CORPUS_KEYS)}")
    for key in ("bandai", "cmu", "humanml3d"):
        if key in corpus:
            corpus[key] = rel(corpus[key])
    train = dict(raw.get("train", {}))
    allowed = {f.name for f in fields(PretrainConfig)}
    bad = set(train) - allowed
    if bad:
        raise InvalidParameterError(f"{path} [train]: unknown key(s) {sorted(bad)}; allowed: {sorted(allowed)}")
    text_model = str(raw.get("text", {}).get("model", "default"))
    if text_model != "default":
        text_model = rel(text_model)
    out = raw.get("output", {})
    weights = Path(rel(out.get("weights", "runs/pretrain/model.safetensors")))
    ckpt = out.get("checkpoint_dir")
    return PretrainRun(corpus, text_model, PretrainConfig(**train), weights, Path(rel(ckpt)) if ckpt else None)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("pretrain", help="pretrain a text-aligned IMU encoder on simulated mocap", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, required=True, help="pretraining TOML (e.g. experiments/pretrain_default.toml)")
    p.add_argument("--epochs", type=int, help="override [train] epochs")
    p.add_argument("--out", type=Path, help="override [output] weights")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads per process (default: torch's choice; 1 is fastest on a busy machine)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from ..methods.unimts import build_corpus, pretrain
    from ..text import TextEncoder
    from ..training import is_main_process

    cfg = load_run_config(args.config)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    train = cfg.train if args.epochs is None else dataclasses.replace(cfg.train, epochs=args.epochs)
    weights = args.out or cfg.weights
    corpus = build_corpus(verbose=not args.quiet, **cfg.corpus)
    if is_main_process():
        print(f"corpus: {corpus!r}")
    text = TextEncoder() if cfg.text_model == "default" else TextEncoder(cfg.text_model)
    model = pretrain(corpus, text, train, out=weights, checkpoint_dir=cfg.checkpoint_dir, verbose=not args.quiet)
    if is_main_process():
        print(json.dumps({"weights": str(weights), "text_model": model.text_model, "epochs": train.epochs,
                          "samples_per_epoch": train.samples_per_epoch}))
    return 0
