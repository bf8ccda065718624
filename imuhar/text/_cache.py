"""On-disk cache of text embeddings, keyed by the text model's identity and the exact text."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["EmbeddingCache", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$IMUHAR_DATA/text-embeddings`` (``IMUHAR_DATA`` defaults to ``~/.cache/imuhar``)."""
    root = os.environ.get("IMUHAR_DATA")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "imuhar"
    return base / "text-embeddings"


class EmbeddingCache:
    """One ``.npy`` file per (model, text): ``<root>/<model_id>/<h[:2]>/<h>.npy`` with ``h = sha256(text)``.

    Files are written to a temporary name and renamed, so concurrent processes (DDP ranks, parallel
    evaluations) can share a cache without ever reading a half-written vector.

    Parameters
    ----------
    root : path
        Cache folder (created on first write).
    model_id : str
        Identity of the text model (name + content hash); different models never share entries.
    """

    def __init__(self, root: str | os.PathLike, model_id: str) -> None:
        self.root = Path(root)
        self.model_id = str(model_id)
        self.folder = self.root / self.model_id

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def get(self, texts: Sequence[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """Look texts up.

        Returns
        -------
        vectors : ndarray, shape (n, dim), float32
            Cached vectors, zeros where missing.
        found : ndarray of bool, shape (n,)
        """
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        found = np.zeros(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            path = self._path(text)
            if not path.is_file():
                continue
            try:
                vec = np.load(path, allow_pickle=False)
            except (OSError, ValueError):  # a damaged entry is recomputed, not trusted
                continue
            if vec.shape == (dim,):
                vectors[i], found[i] = vec, True
        return vectors, found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (n, dim) for ``texts`` (n,)."""
        for text, vec in zip(texts, np.asarray(vectors, dtype=np.float32)):
            path = self._path(text)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".npy.part", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.save(fh, vec, allow_pickle=False)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*.npy")) if self.folder.is_dir() else 0
