"""Weights on disk: safetensors for tensors, a JSON file beside them for everything else.

``save_weights(model, "enc.safetensors")`` writes ``enc.safetensors`` (tensors only) and ``enc.json``
(the registry name and constructor parameters of the encoder, metrics, the training-data fingerprint, the
SHA-256 of the tensor file). ``load_weights("enc.safetensors")`` rebuilds the encoder through the registry
and loads the tensors. Both files are written to a temporary name in the same folder and renamed, so a crash
never leaves a half-written file under the final name.

Only safetensors are ever read: a pickled checkpoint (``torch.save``'s ``.pt``/``.pth``) can execute code
when it is loaded, so it is refused with :class:`UnsafeWeightsError` before any of it is parsed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from imuhar.core import ChecksumError, DataFormatError, DataNotFoundError, InvalidParameterError

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ._base import Encoder

__all__ = [
    "UnsafeWeightsError",
    "save_weights",
    "load_weights",
    "read_weights_config",
    "save_tensors",
    "load_tensors",
    "write_json_atomic",
    "check_safetensors",
    "sha256_file",
]

WEIGHTS_FORMAT = "imuhar-weights"
WEIGHTS_FORMAT_VERSION = 1
_PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt")


class UnsafeWeightsError(DataFormatError):
    """A weights file is not safetensors (e.g. a pickled ``.pt``), so imuhar refuses to load it."""


def sha256_file(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json_atomic(obj: Any, path: str | os.PathLike) -> Path:
    """Write ``obj`` as indented JSON to ``path`` through a temporary file and a rename."""
    path = Path(path)
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n"
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.ndarray,)):
        return value.tolist()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def check_safetensors(path: str | os.PathLike) -> Path:
    """Refuse anything that is not a safetensors file, without unpickling or parsing tensors.

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    UnsafeWeightsError
        If the suffix names a pickle format or the header is not a safetensors JSON header.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"weights file {path} does not exist; pass the path of a .safetensors file")
    how_to = (
        "imuhar only loads safetensors, because pickled checkpoints can run code when loaded. "
        "Re-save the weights with imuhar.models.save_weights (or safetensors.torch.save_file) in an environment "
        "you trust."
    )
    if path.suffix.lower() in _PICKLE_SUFFIXES:
        raise UnsafeWeightsError(f"refusing to load {path}: '{path.suffix}' is a pickle-based format. {how_to}")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(9)
    if len(head) < 9:
        raise UnsafeWeightsError(f"refusing to load {path}: {size} bytes is too short for a safetensors file. {how_to}")
    (header_len,) = struct.unpack("<Q", head[:8])
    if header_len + 8 > size or head[8:9] != b"{":
        kind = "a zip archive (torch.save)" if head[:2] == b"PK" else (
            "a pickle" if head[:1] == b"\x80" else "not safetensors"
        )
        raise UnsafeWeightsError(f"refusing to load {path}: its header says it is {kind}. {how_to}")
    return path


def save_tensors(
    tensors: Mapping[str, "torch.Tensor"], path: str | os.PathLike, metadata: Mapping[str, str] | None = None
) -> Path:
    """Write a flat name -> tensor mapping to a safetensors file, atomically.

    Tensors are copied to contiguous CPU memory first, so views and tensors that share storage are stored
    as independent tensors.
    """
    from safetensors.torch import save_file

    path = Path(path)
    plain = {str(k): v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    _atomic_write(path, lambda tmp: save_file(plain, str(tmp), metadata=meta))
    return path


def load_tensors(path: str | os.PathLike) -> tuple[dict[str, "torch.Tensor"], dict[str, str]]:
    """Read a safetensors file (after :func:`check_safetensors`): tensors on CPU and the string metadata."""
    from safetensors import safe_open

    path = check_safetensors(path)
    tensors: dict[str, Any] = {}
    with safe_open(str(path), framework="pt", device="cpu") as fh:
        metadata = dict(fh.metadata() or {})
        for key in fh.keys():
            tensors[key] = fh.get_tensor(key)
    return tensors, metadata


def _weights_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    return path, path.with_suffix(".json")


def save_weights(
    model: "Encoder",
    path: str | os.PathLike,
    config: Mapping[str, Any] | None = None,
    *,
    metrics: Mapping[str, Any] | None = None,
    fingerprint: Any = None,
) -> Path:
    """Save an encoder's weights as safetensors plus a JSON config beside them.

    Parameters
    ----------
    model : Encoder
        A registered encoder (its ``registry_name`` and ``config`` rebuild it).
    path : path
        Target ``.safetensors`` file (the suffix is added if missing); the JSON goes to the same stem ``.json``.
    config : mapping, optional
        Extra facts to store (training recipe, text model, data description). ``encoder`` and ``params`` in it
        override the model's own registry name and constructor parameters.
    metrics : mapping, optional
        Figures measured with these weights (JSON-serializable).
    fingerprint : any JSON-serializable, optional
        Identifies the training data (e.g. a hash of the window arrays and their provenance).

    Returns
    -------
    Path
        The ``.safetensors`` path written.
    """
    from imuhar._version import __version__

    from ._registry import get_encoder_class

    weights_path, json_path = _weights_paths(path)
    extra = dict(config or {})
    name = extra.pop("encoder", getattr(model, "registry_name", ""))
    params = extra.pop("params", getattr(model, "config", None))
    if not name or params is None:
        raise InvalidParameterError(
            f"cannot save {type(model).__name__}: it is not a registered encoder; pass config={{'encoder': NAME, "
            "'params': {...}}} naming a class registered with imuhar.models.register_encoder"
        )
    get_encoder_class(name)  # fail now, not at load time, on an unknown name
    save_tensors(model.state_dict(), weights_path, metadata={"format": WEIGHTS_FORMAT, "encoder": name})
    record = {
        "format": WEIGHTS_FORMAT,
        "format_version": WEIGHTS_FORMAT_VERSION,
        "encoder": name,
        "params": dict(params),
        "config": extra,
        "metrics": dict(metrics or {}),
        "fingerprint": fingerprint,
        "weights_file": weights_path.name,
        "sha256": sha256_file(weights_path),
        "imuhar_version": __version__,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    write_json_atomic(record, json_path)
    return weights_path


def read_weights_config(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON record saved beside a weights file (encoder name, params, metrics, fingerprint ...)."""
    weights_path, json_path = _weights_paths(path)
    if not json_path.is_file():
        raise DataNotFoundError(
            f"no JSON config beside {weights_path} (looked for {json_path}); weights saved with "
            "imuhar.models.save_weights always have one - copy both files together"
        )
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{json_path} is not valid JSON ({exc}); re-save the weights") from None
    if record.get("format") != WEIGHTS_FORMAT or "encoder" not in record or "params" not in record:
        raise DataFormatError(
            f"{json_path} is not an imuhar weights config (needs format={WEIGHTS_FORMAT!r}, 'encoder', 'params'); "
            f"received keys {sorted(record)}"
        )
    return record


def load_weights(path: str | os.PathLike, *, verify: bool = True) -> "Encoder":
    """Rebuild an encoder from ``path`` (``.safetensors``) and its JSON config; returns it in eval mode.

    Parameters
    ----------
    path : path
        The ``.safetensors`` file written by :func:`save_weights`.
    verify : bool
        Check the file's SHA-256 against the one recorded in the JSON.

    Raises
    ------
    UnsafeWeightsError
        If the file is not safetensors (e.g. a pickled ``.pt``).
    ChecksumError
        If ``verify`` and the tensor file differs from the one the JSON describes.
    """
    from ._registry import build_encoder

    if Path(path).is_file():
        check_safetensors(path)  # refuse a pickle before looking for anything beside it
    weights_path, _ = _weights_paths(path)
    check_safetensors(weights_path)
    record = read_weights_config(weights_path)
    if verify and record.get("sha256") and sha256_file(weights_path) != record["sha256"]:
        raise ChecksumError(
            f"{weights_path} does not match the SHA-256 recorded in its JSON config; the two files were not saved "
            "together - copy the matching pair, or pass verify=False if you replaced the tensors on purpose"
        )
    tensors, _ = load_tensors(weights_path)
    model = build_encoder(record["encoder"], **record["params"])
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    if missing or unexpected:
        raise DataFormatError(
            f"{weights_path} does not fit encoder {record['encoder']!r} with its saved params: "
            f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
        )
    return model.eval()
