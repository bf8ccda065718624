"""Frozen teachers behind one interface: inputs -> L2-normalized embeddings, computed once and cached.

Three kinds:

* :class:`ModuleTeacher` wraps any ``torch.nn.Module`` (a frozen skeleton or IMU encoder, a text-aligned
  encoder ...); it is put in eval mode and its parameters never require gradients.
* :class:`VideoTeacher` wraps a ``transformers`` VideoMAE or TimeSformer model loaded from a *local* path
  (``local_files_only=True``) or built from a config; features are the mean over all output tokens.
* :class:`PrecomputedTeacher` reads embeddings computed elsewhere (``.npy`` or ``.safetensors``).

The first two add a projection to the features, by default COMODO's: ``Linear(D -> 2048) -> BatchNorm1d ->
GELU -> Linear(2048 -> 128)``, seeded and **never trained** (the official code builds it randomly and only the
student's parameters reach the optimizer; in eval mode the BatchNorm is the identity). Every teacher returns
unit-norm rows. :meth:`Teacher.embed` memoizes its result per input fingerprint, and with ``cache_path`` also
keeps it on disk as safetensors tagged with the teacher's and the data's fingerprints.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from imuhar.core import (
    DataFormatError,
    DataNotFoundError,
    InvalidParameterError,
    ShapeMismatchError,
    Windows,
)

__all__ = [
    "Teacher",
    "ModuleTeacher",
    "VideoTeacher",
    "PrecomputedTeacher",
    "random_projection_mlp",
    "save_teacher_embeddings",
    "load_teacher_embeddings",
]

logger = logging.getLogger(__name__)

#: ImageNet statistics, the normalization of VideoMAE and TimeSformer checkpoints when no processor file says otherwise.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _as_arrays(inputs: Any) -> tuple[list[Any], int]:
    """Normalize teacher inputs to a list of arrays/tensors sharing their first axis; returns (arrays, n)."""
    if isinstance(inputs, Windows):
        arrays = [inputs.x, inputs.node_mask]
    elif isinstance(inputs, (tuple, list)):
        arrays = list(inputs)
    else:
        arrays = [inputs]
    if not arrays:
        raise InvalidParameterError("teacher inputs are empty; pass an array, a tuple of arrays or Windows")
    lengths = {int(a.shape[0]) for a in arrays if hasattr(a, "shape") and len(a.shape) > 0}
    if len(lengths) != 1 or any(not hasattr(a, "shape") or len(a.shape) == 0 for a in arrays):
        shapes = [tuple(getattr(a, "shape", ())) for a in arrays]
        raise ShapeMismatchError(
            f"teacher inputs must be arrays sharing their first (sample) axis; received shapes {shapes}"
        )
    return arrays, lengths.pop()


def _fingerprint_arrays(arrays: Sequence[Any]) -> str:
    """SHA-256 over the dtype, shape and bytes of each array (tensors are moved to CPU first)."""
    digest = hashlib.sha256()
    for a in arrays:
        arr = a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)
        arr = np.ascontiguousarray(arr)
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def _fingerprint_module(module) -> str:
    import torch

    digest = hashlib.sha256(type(module).__name__.encode())
    for name, tensor in module.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        if t.dtype.is_floating_point and t.dtype not in (torch.float16, torch.float32, torch.float64):
            t = t.float()  # bfloat16 and friends have no numpy dtype
        digest.update(name.encode())
        digest.update(str(tuple(t.shape)).encode())
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()


def _unit_rows(arr: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm; rows already unit-norm (to 1e-6) are left bit-identical, so that embeddings
    saved and read back by :class:`PrecomputedTeacher` equal the originals exactly."""
    norms = np.linalg.norm(arr.astype(np.float64), axis=1, keepdims=True)
    off = np.abs(norms - 1.0) > 1e-6
    return np.where(off, arr / np.maximum(norms, 1e-12), arr).astype(np.float32)


def random_projection_mlp(in_dim: int, *, hidden_dim: int = 2048, out_dim: int = 128, seed: int = 42):
    """COMODO's teacher projection, ``Linear -> BatchNorm1d -> GELU -> Linear``, randomly initialized and frozen.

    Parameters
    ----------
    in_dim : int
        Feature size of the teacher backbone.
    hidden_dim, out_dim : int
        Hidden and output sizes (the paper's 2048 and 128).
    seed : int
        Seeds the initialization without touching the global torch random state.

    Returns
    -------
    torch.nn.Sequential
        In eval mode (BatchNorm uses its initial running statistics, mean 0 and variance 1), parameters frozen.
    """
    import torch
    from torch import nn

    for name, value in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
        if int(value) < 1:
            raise InvalidParameterError(f"{name} must be a positive integer; received {value!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        mlp = nn.Sequential(
            nn.Linear(int(in_dim), int(hidden_dim)),
            nn.BatchNorm1d(int(hidden_dim)),
            nn.GELU(),
            nn.Linear(int(hidden_dim), int(out_dim)),
        )
    mlp.eval()
    for p in mlp.parameters():
        p.requires_grad_(False)
    return mlp


def save_teacher_embeddings(path: str | Path, embeddings, *, metadata: dict[str, str] | None = None) -> Path:
    """Write teacher embeddings (shape (n, dim)) to ``.npy`` or ``.safetensors`` (key ``"embeddings"``), atomically.

    ``metadata`` (strings) is stored in the safetensors header; ``.npy`` files carry none.
    """
    import torch

    from imuhar.models import save_tensors

    path = Path(path)
    arr = np.asarray(embeddings.detach().cpu() if hasattr(embeddings, "detach") else embeddings, dtype=np.float32)
    if arr.ndim != 2:
        raise ShapeMismatchError(f"teacher embeddings must have shape (n, dim); received {arr.shape}")
    if path.suffix == ".safetensors":
        return save_tensors({"embeddings": torch.from_numpy(arr)}, path, metadata=metadata)
    if path.suffix == ".npy":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        tmp.replace(path)
        return path
    raise InvalidParameterError(f"teacher embeddings are saved as .npy or .safetensors; received {path.name!r}")


def load_teacher_embeddings(path: str | Path, *, key: str | None = None) -> tuple[np.ndarray, dict[str, str]]:
    """Read embeddings written by :func:`save_teacher_embeddings` (or any 2-D ``.npy``/``.safetensors`` array).

    Parameters
    ----------
    path : path
        ``.npy`` (loaded without pickle) or ``.safetensors``.
    key : str, optional
        Tensor name inside a safetensors file; default ``"embeddings"``, or the only tensor when there is one.

    Returns
    -------
    embeddings : ndarray, shape (n, dim), float32
    metadata : dict of str
    """
    from imuhar.models import load_tensors

    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"teacher embeddings file {path} does not exist; compute them with Teacher.embed first")
    if path.suffix == ".npy":
        try:
            arr, meta = np.load(path, allow_pickle=False), {}
        except ValueError as exc:
            raise DataFormatError(f"{path} is not a plain .npy array ({exc}); pickled arrays are refused") from None
    elif path.suffix == ".safetensors":
        tensors, meta = load_tensors(path)
        name = key or ("embeddings" if "embeddings" in tensors or len(tensors) != 1 else next(iter(tensors)))
        if name not in tensors:
            raise DataFormatError(f"{path} holds tensors {sorted(tensors)}, not {name!r}; pass key=<one of them>")
        arr = tensors[name].float().numpy()
    else:
        raise InvalidParameterError(f"teacher embeddings are read from .npy or .safetensors; received {path.name!r}")
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise DataFormatError(f"{path}: teacher embeddings must have shape (n >= 1, dim); found {arr.shape}")
    if not np.isfinite(arr).all():
        raise DataFormatError(f"{path}: teacher embeddings hold NaN/inf values; recompute them")
    return np.asarray(arr, dtype=np.float32), dict(meta)


class Teacher:
    """A frozen teacher: ``embed(inputs) -> (n, embed_dim)`` unit-norm float32 rows.

    Subclasses implement :meth:`_embed` and :meth:`fingerprint`. :meth:`embed` memoizes per input fingerprint
    (a teacher runs once per data set, however often a caller asks) and optionally caches on disk.
    """

    def __init__(self) -> None:
        self._memo: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ to implement
    def fingerprint(self) -> str:
        """A string identifying the teacher's weights and settings (cache key)."""
        raise NotImplementedError

    def _embed(self, inputs: Any, *, batch_size: int, verbose: bool) -> np.ndarray:
        raise NotImplementedError

    # ------------------------------------------------------------------ shared
    def _input_fingerprint(self, inputs: Any) -> str:
        arrays, _ = _as_arrays(inputs)
        return _fingerprint_arrays(arrays)

    def embed(
        self,
        inputs: Any,
        *,
        batch_size: int = 64,
        verbose: bool = True,
        cache_path: str | Path | None = None,
    ) -> np.ndarray:
        """Teacher embeddings of ``inputs``, computed once.

        Parameters
        ----------
        inputs
            What the teacher reads: an array/tensor with samples on axis 0, a tuple of such arrays (passed to the
            module as positional arguments), :class:`~imuhar.core.Windows` (``(x, node_mask)``), video clips
            for :class:`VideoTeacher`, or row indices for :class:`PrecomputedTeacher`.
        batch_size : int
            Samples per forward pass.
        verbose : bool
            Progress bar.
        cache_path : path, optional
            A ``.safetensors`` file: read if it holds embeddings of this teacher on these inputs, written
            otherwise.

        Returns
        -------
        ndarray, shape (n_samples, embed_dim), float32, unit L2 norm per row
        """
        if int(batch_size) < 1:
            raise InvalidParameterError(f"batch_size must be a positive integer; received {batch_size!r}")
        data_key = self._input_fingerprint(inputs)
        teacher_key = self.fingerprint()
        memo_key = f"{teacher_key}:{data_key}"
        if memo_key in self._memo:
            return self._memo[memo_key].copy()
        if cache_path is not None and Path(cache_path).suffix != ".safetensors":
            raise InvalidParameterError(f"cache_path must end in .safetensors; received {str(cache_path)!r}")
        if cache_path is not None and Path(cache_path).is_file():
            arr, meta = load_teacher_embeddings(cache_path)
            if meta.get("teacher") == teacher_key and meta.get("data") == data_key:
                logger.info("teacher embeddings read from cache %s", cache_path)
                self._memo[memo_key] = arr
                return arr.copy()
            logger.warning("cache %s holds embeddings of another teacher or data set; recomputing", cache_path)
        arr = np.asarray(self._embed(inputs, batch_size=int(batch_size), verbose=verbose), dtype=np.float32)
        arr = _unit_rows(arr)
        if cache_path is not None:
            save_teacher_embeddings(
                cache_path, arr, metadata={"teacher": teacher_key, "data": data_key, "kind": type(self).__name__}
            )
        self._memo[memo_key] = arr
        return arr.copy()


class _FeatureTeacher(Teacher):
    """A torch backbone -> features (B, D) -> frozen projection. Subclasses implement :meth:`_features`."""

    def __init__(
        self,
        *,
        projection: Any = "random-mlp",
        hidden_dim: int = 2048,
        embed_dim: int = 128,
        seed: int = 42,
        device: str = "cpu",
    ) -> None:
        super().__init__()
        from torch import nn

        if isinstance(projection, str) and projection not in ("random-mlp", "identity"):
            raise InvalidParameterError(
                f"projection must be 'random-mlp', 'identity' or a torch.nn.Module; received {projection!r}"
            )
        if not isinstance(projection, (str, nn.Module)):
            raise InvalidParameterError(
                "projection must be 'random-mlp', 'identity' or a torch.nn.Module; received "
                f"{type(projection).__name__}"
            )
        self.projection = projection
        self.hidden_dim, self.embed_dim, self.seed, self.device = int(hidden_dim), int(embed_dim), int(seed), device
        self._proj = None
        if isinstance(projection, nn.Module):
            self._proj = self._freeze(projection)

    @staticmethod
    def _freeze(module):
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)
        return module

    def _features(self, batch: list[Any]):  # (B, D) torch tensor
        raise NotImplementedError

    def _projection_for(self, in_dim: int):
        if self._proj is None:
            if self.projection == "identity":
                from torch import nn

                self._proj = nn.Identity()
            else:
                self._proj = random_projection_mlp(
                    in_dim, hidden_dim=self.hidden_dim, out_dim=self.embed_dim, seed=self.seed
                )
            self._proj.to(self.device)
        return self._proj

    def _settings_key(self) -> str:
        proj = self.projection if isinstance(self.projection, str) else _fingerprint_module(self.projection)
        return f"{proj}|{self.hidden_dim}|{self.embed_dim}|{self.seed}"

    def _batches(self, inputs: Any, batch_size: int):
        arrays, n = _as_arrays(inputs)
        for start in range(0, n, batch_size):
            yield [a[start : start + batch_size] for a in arrays]

    def _embed(self, inputs: Any, *, batch_size: int, verbose: bool) -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        _, n = _as_arrays(inputs)
        out = []
        with torch.no_grad():
            for batch in tqdm(
                self._batches(inputs, batch_size),
                total=-(-n // batch_size),
                desc=f"{type(self).__name__} embeddings",
                disable=not verbose,
                leave=False,
            ):
                feats = self._features(batch)
                if feats.ndim != 2 or feats.shape[0] != len(batch[0]):
                    raise ShapeMismatchError(
                        f"the teacher backbone must return (batch, features); received {tuple(feats.shape)} for a "
                        f"batch of {len(batch[0])}. Wrap the module so that it pools its output."
                    )
                out.append(self._projection_for(int(feats.shape[1]))(feats.float()).cpu())
        return torch.cat(out).numpy()

    def project(self, features):
        """Apply the frozen projection to backbone features (B, D) -> (B, embed_dim), not normalized."""
        import torch

        with torch.no_grad():
            return self._projection_for(int(features.shape[1]))(features.float().to(self.device))


class ModuleTeacher(_FeatureTeacher):
    """Any frozen ``torch.nn.Module`` as a teacher.

    Parameters
    ----------
    module : torch.nn.Module
        Called as ``module(*batch)`` on each batch of inputs, must return (batch, features). It is put in eval
        mode and its parameters stop requiring gradients (it is frozen; nothing ever trains it).
    projection : {"random-mlp", "identity"} or torch.nn.Module
        ``"random-mlp"``: COMODO's fixed random MLP (see :func:`random_projection_mlp`); ``"identity"``: the raw
        features; a module: any frozen projection of your own.
    hidden_dim, embed_dim : int
        Sizes of the random MLP (2048 and 128 in the paper).
    seed : int
        Seed of the random MLP.
    device : str
        Where the module runs.
    """

    def __init__(
        self,
        module,
        *,
        projection: Any = "random-mlp",
        hidden_dim: int = 2048,
        embed_dim: int = 128,
        seed: int = 42,
        device: str = "cpu",
    ) -> None:
        from torch import nn

        if not isinstance(module, nn.Module):
            raise InvalidParameterError(
                f"ModuleTeacher wraps a torch.nn.Module; received {type(module).__name__}. For embeddings computed "
                f"elsewhere use PrecomputedTeacher."
            )
        super().__init__(projection=projection, hidden_dim=hidden_dim, embed_dim=embed_dim, seed=seed, device=device)
        self.module = self._freeze(module).to(device)

    def fingerprint(self) -> str:
        return f"module:{_fingerprint_module(self.module)}|{self._settings_key()}"

    def _features(self, batch: list[Any]):
        import torch

        tensors = [b if isinstance(b, torch.Tensor) else torch.as_tensor(np.asarray(b)) for b in batch]
        tensors = [t.to(self.device) for t in tensors]
        return self.module(*tensors)


class VideoTeacher(_FeatureTeacher):
    """A ``transformers`` video encoder (VideoMAE or TimeSformer) as a frozen teacher.

    Clips go in as (n_clips, n_frames, 3, height, width), ``uint8`` in [0, 255] or float in [0, 1]. Each is
    uniformly subsampled to the model's ``num_frames``, resized to its ``image_size`` when needed, normalized
    with the checkpoint's image mean/std, and the model's ``last_hidden_state`` is averaged over all tokens
    (as COMODO does), then projected.

    Parameters
    ----------
    model : transformers.VideoMAEModel or transformers.TimesformerModel
        The backbone (no classification head); see :meth:`from_pretrained` and :meth:`from_config`.
    image_mean, image_std : sequence of 3 floats, optional
        Per-channel normalization; default ImageNet's.
    projection, hidden_dim, embed_dim, seed, device
        See :class:`ModuleTeacher`.
    """

    SUPPORTED = ("videomae", "timesformer")

    def __init__(
        self,
        model,
        *,
        image_mean: Sequence[float] | None = None,
        image_std: Sequence[float] | None = None,
        projection: Any = "random-mlp",
        hidden_dim: int = 2048,
        embed_dim: int = 128,
        seed: int = 42,
        device: str = "cpu",
    ) -> None:
        model_type = getattr(getattr(model, "config", None), "model_type", None)
        if model_type not in self.SUPPORTED:
            raise InvalidParameterError(
                f"VideoTeacher supports transformers models of type {self.SUPPORTED}; received "
                f"{type(model).__name__} (model_type={model_type!r})"
            )
        super().__init__(projection=projection, hidden_dim=hidden_dim, embed_dim=embed_dim, seed=seed, device=device)
        self.model = self._freeze(model).to(device)
        self.image_mean = tuple(float(v) for v in (image_mean or IMAGENET_MEAN))
        self.image_std = tuple(float(v) for v in (image_std or IMAGENET_STD))
        if len(self.image_mean) != 3 or len(self.image_std) != 3 or min(self.image_std) <= 0:
            raise InvalidParameterError(
                f"image_mean and image_std need 3 values each (std > 0); received {self.image_mean}, {self.image_std}"
            )

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> "VideoTeacher":
        """Load a VideoMAE/TimeSformer checkpoint from a local folder (never from the network).

        The image mean/std come from the folder's ``preprocessor_config.json`` when it has one.
        """
        import json

        from transformers import AutoConfig, TimesformerModel, VideoMAEModel

        folder = Path(path)
        if not (folder / "config.json").is_file():
            raise DataNotFoundError(
                f"no transformers checkpoint at {folder} (config.json missing). Download the model once, e.g. "
                f"MCG-NJU/videomae-base or facebook/timesformer-base-finetuned-k400, to a local folder and pass it"
            )
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        classes = {"videomae": VideoMAEModel, "timesformer": TimesformerModel}
        if config.model_type not in classes:
            raise InvalidParameterError(
                f"{folder} holds a {config.model_type!r} model; VideoTeacher supports {sorted(classes)}"
            )
        model = classes[config.model_type].from_pretrained(folder, local_files_only=True)
        proc = folder / "preprocessor_config.json"
        if proc.is_file() and "image_mean" not in kwargs:
            meta = json.loads(proc.read_text(encoding="utf-8"))
            kwargs.setdefault("image_mean", meta.get("image_mean"))
            kwargs.setdefault("image_std", meta.get("image_std"))
        return cls(model, **kwargs)

    @classmethod
    def from_config(cls, config, *, init_seed: int = 0, **kwargs: Any) -> "VideoTeacher":
        """A randomly initialized model from a ``VideoMAEConfig``/``TimesformerConfig`` (tests, no download)."""
        import torch
        from transformers import TimesformerModel, VideoMAEModel

        classes = {"videomae": VideoMAEModel, "timesformer": TimesformerModel}
        if getattr(config, "model_type", None) not in classes:
            raise InvalidParameterError(f"config must be a VideoMAEConfig or TimesformerConfig; received {config!r}")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(init_seed))
            model = classes[config.model_type](config)
        return cls(model, **kwargs)

    def fingerprint(self) -> str:
        return f"video:{_fingerprint_module(self.model)}|{self.image_mean}|{self.image_std}|{self._settings_key()}"

    def preprocess(self, clips):
        """Clips (B, T, 3, H, W) -> normalized pixel values (B, num_frames, 3, image_size, image_size), float32."""
        import torch
        from torch.nn import functional as F

        x = clips if isinstance(clips, torch.Tensor) else torch.as_tensor(np.asarray(clips))
        if x.ndim != 5 or x.shape[2] != 3:
            raise ShapeMismatchError(
                f"video clips must have shape (n_clips, n_frames, 3, height, width); received {tuple(x.shape)}. "
                f"Move the colour axis with clips.transpose(0, 1, 4, 2, 3) for channels-last frames."
            )
        x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
        cfg = self.model.config
        n_frames = int(cfg.num_frames)
        if x.shape[1] != n_frames:
            idx = torch.from_numpy(np.round(np.linspace(0, x.shape[1] - 1, n_frames)).astype(np.int64))
            x = x[:, idx]
        size = int(cfg.image_size)
        b, t = x.shape[:2]
        if x.shape[-2:] != (size, size):
            x = F.interpolate(
                x.reshape(b * t, 3, *x.shape[-2:]), size=(size, size), mode="bilinear", align_corners=False
            )
            x = x.reshape(b, t, 3, size, size)
        mean = x.new_tensor(self.image_mean).view(1, 1, 3, 1, 1)
        std = x.new_tensor(self.image_std).view(1, 1, 3, 1, 1)
        return (x - mean) / std

    def _features(self, batch: list[Any]):
        pixels = self.preprocess(batch[0]).to(self.device)
        hidden = self.model(pixel_values=pixels).last_hidden_state  # (B, tokens, hidden)
        return hidden.mean(dim=1)


class PrecomputedTeacher(Teacher):
    """Teacher embeddings computed elsewhere, looked up by row.

    Parameters
    ----------
    embeddings : ndarray or Tensor of shape (n, dim), or path
        The table, or a ``.npy``/``.safetensors`` file holding it (see :func:`load_teacher_embeddings`).
    key : str, optional
        Tensor name inside a safetensors file.

    Notes
    -----
    ``embed(indices)`` returns rows ``indices`` (int array of shape (n_samples,)); ``embed(None)`` returns
    the whole table. Rows are L2-normalized like every teacher's.
    """

    def __init__(self, embeddings, *, key: str | None = None) -> None:
        super().__init__()
        if isinstance(embeddings, (str, Path)):
            self.source = str(embeddings)
            table, _ = load_teacher_embeddings(embeddings, key=key)
        else:
            self.source = "array"
            table = np.asarray(
                embeddings.detach().cpu() if hasattr(embeddings, "detach") else embeddings, dtype=np.float32
            )
        if table.ndim != 2 or table.shape[0] == 0:
            raise ShapeMismatchError(
                f"precomputed teacher embeddings must have shape (n >= 1, dim); received {table.shape}"
            )
        if not np.isfinite(table).all():
            raise DataFormatError("precomputed teacher embeddings hold NaN/inf values")
        self.table = table
        self.embed_dim = int(table.shape[1])
        self._key = _fingerprint_arrays([table])

    def __len__(self) -> int:
        return int(self.table.shape[0])

    def fingerprint(self) -> str:
        return f"precomputed:{self._key}"

    def _indices(self, inputs: Any) -> np.ndarray:
        if inputs is None:
            return np.arange(len(self))
        idx = np.asarray(inputs.detach().cpu() if hasattr(inputs, "detach") else inputs)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise InvalidParameterError(
                f"a PrecomputedTeacher is indexed by integer row ids of shape (n,); received dtype {idx.dtype}, "
                f"shape {idx.shape}"
            )
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise InvalidParameterError(f"row ids must lie in [0, {len(self) - 1}]; received {idx.min()}..{idx.max()}")
        return idx.astype(np.int64)

    def _input_fingerprint(self, inputs: Any) -> str:
        return _fingerprint_arrays([self._indices(inputs)])

    def _embed(self, inputs: Any, *, batch_size: int, verbose: bool) -> np.ndarray:
        return self.table[self._indices(inputs)]
