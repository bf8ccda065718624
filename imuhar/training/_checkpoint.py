"""Resumable training checkpoints: safetensors for every tensor, JSON for everything else.

A checkpoint is a pair ``step-<global step>.safetensors`` + ``step-<global step>.json`` in a folder, plus
``latest.json`` naming the newest pair. Each file is written to a temporary name and renamed, and
``latest.json`` is replaced only after both files of a pair are in place, so an interrupted save leaves the
previous checkpoint usable.

Tensor keys: ``model.<state-dict key>``, ``optim.<param index>.<state key>`` (e.g. AdamW's ``exp_avg``) and
``rng.torch.<rank>``. The JSON holds the optimizer's parameter groups and non-tensor state, the Python and
NumPy generator states of every rank, the loop position (epoch, step) and free-form ``config``/``history``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imuhar.core import DataFormatError, DataNotFoundError
from imuhar.models.weights import check_safetensors, load_tensors, save_tensors, write_json_atomic

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "latest_checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "imuhar-checkpoint"
_LATEST = "latest.json"


@dataclass
class Checkpoint:
    """A loaded checkpoint.

    Attributes
    ----------
    path : Path
        The ``.safetensors`` file.
    model_state : dict
        State dict of the trained module.
    optimizer_state : dict
        ``torch.optim.Optimizer.state_dict()`` layout, ready for ``load_state_dict``.
    rng_states : list of dict
        One :func:`~imuhar.training.capture_rng_state` dict per rank.
    info : dict
        Everything else from the JSON: ``epoch``, ``step_in_epoch``, ``global_step``, ``world_size``,
        ``config``, ``history`` ...
    """

    path: Path
    model_state: dict[str, Any]
    optimizer_state: dict[str, Any] | None
    rng_states: list[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(
    directory: str | os.PathLike,
    *,
    model_state: dict[str, Any],
    optimizer_state: dict[str, Any] | None,
    rng_states: list[dict[str, Any]],
    info: dict[str, Any],
    keep: int = 2,
) -> Path:
    """Write a checkpoint into ``directory`` and point ``latest.json`` at it.

    Parameters
    ----------
    directory : path
        Checkpoint folder (created if needed).
    model_state : dict
        The module's ``state_dict()``.
    optimizer_state : dict or None
        The optimizer's ``state_dict()``.
    rng_states : list of dict
        Generator states of every rank, in rank order.
    info : dict
        JSON-serializable loop state; must contain ``global_step``.
    keep : int
        Number of most recent checkpoints to keep (older pairs are deleted); 0 keeps all.

    Returns
    -------
    Path
        The ``.safetensors`` file written.
    """
    import torch

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"step-{int(info['global_step']):09d}"
    tensors: dict[str, torch.Tensor] = {f"model.{k}": v for k, v in model_state.items()}
    optim_json: dict[str, Any] | None = None
    if optimizer_state is not None:
        scalars: dict[str, dict[str, Any]] = {}
        for pid, entries in optimizer_state["state"].items():
            for key, value in entries.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optim.{pid}.{key}"] = value
                else:
                    scalars.setdefault(str(pid), {})[key] = value
        optim_json = {"param_groups": optimizer_state["param_groups"], "scalars": scalars}
    rng_json = []
    for r, state in enumerate(rng_states):
        tensors[f"rng.torch.{r}"] = state["torch"]
        for i, cuda_state in enumerate(state.get("cuda") or []):
            tensors[f"rng.cuda.{r}.{i}"] = cuda_state
        rng_json.append({"python": state["python"], "numpy": state["numpy"], "n_cuda": len(state.get("cuda") or [])})
    weights = save_tensors(tensors, directory / f"{stem}.safetensors", metadata={"format": CHECKPOINT_FORMAT})
    record = {"format": CHECKPOINT_FORMAT, **info, "optimizer": optim_json, "rng": rng_json}
    write_json_atomic(record, directory / f"{stem}.json")
    write_json_atomic({"format": CHECKPOINT_FORMAT, "checkpoint": weights.name}, directory / _LATEST)
    if keep > 0:
        pairs = sorted(directory.glob("step-*.safetensors"))
        for old in pairs[:-keep]:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
    return weights


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The ``.safetensors`` file ``latest.json`` points at, or None if the folder holds no checkpoint."""
    pointer = Path(directory) / _LATEST
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    except (json.JSONDecodeError, KeyError):
        raise DataFormatError(f"{pointer} is damaged; delete it to start over or to fall back on an older step") from None
    path = Path(directory) / name
    return path if path.is_file() else None


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Load a checkpoint from its ``.safetensors`` file or from a folder (its latest checkpoint).

    Raises
    ------
    DataNotFoundError
        If there is no checkpoint there.
    UnsafeWeightsError
        If the file is not safetensors.
    """
    path = Path(path)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise DataNotFoundError(f"no checkpoint in {path} (no {_LATEST}); train with checkpoint_dir={path} first")
        path = found
    check_safetensors(path)
    json_path = path.with_suffix(".json")
    if not json_path.is_file():
        raise DataNotFoundError(f"checkpoint {path} has no JSON beside it ({json_path}); copy both files together")
    record = json.loads(json_path.read_text(encoding="utf-8"))
    if record.get("format") != CHECKPOINT_FORMAT:
        raise DataFormatError(f"{json_path} is not an imuhar training checkpoint (format={record.get('format')!r})")
    tensors, _ = load_tensors(path)
    model_state = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    optimizer_state = None
    optim_json = record.pop("optimizer", None)
    if optim_json is not None:
        state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, pid, name = key.split(".", 2)
                state.setdefault(int(pid), {})[name] = value
        for pid, entries in optim_json["scalars"].items():
            state.setdefault(int(pid), {}).update(entries)
        optimizer_state = {"state": state, "param_groups": optim_json["param_groups"]}
    rng_states = []
    for r, entry in enumerate(record.pop("rng", [])):
        rng_states.append({
            "python": entry["python"],
            "numpy": entry["numpy"],
            "torch": tensors[f"rng.torch.{r}"],
            "cuda": [tensors[f"rng.cuda.{r}.{i}"] for i in range(int(entry.get("n_cuda", 0)))],
        })  # fmt: skip
    return Checkpoint(path, model_state, optimizer_state, rng_states, record)
