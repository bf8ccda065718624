"""The pretraining corpus: captioned mocap turned into simulated 22-node IMU, cached on disk.

Sources (each optional):

- ``bandai``: the Bandai Namco archive; captions from each take's content and style (file name).
- ``cmu``: CMU trials (any rig the simulator reads) with ``cmu_motion_descriptions.csv`` beside or inside.
- ``humanml3d``: a HumanML3D folder (``new_joints/*.npy`` + ``texts/*.txt``).
- ``postures``: the generic posture-and-transition synthesizer (:mod:`._postures`).
- ``gait``: the generic gait synthesizer (:mod:`._gait`): level walking at three paces, stairs up and down,
  slopes, jogging, running and turning; ``gait`` takes per gait (0: none).

Every take is simulated once at all 22 nodes with ideal sensors (noise, rotations and node subsets are drawn
per sample at training time) and stored as float32 arrays in a ``.npz`` plus a JSON index; no pickle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Sequence

import numpy as np

from ...core import DataNotFoundError, InvalidParameterError
from ._captions import bandai_captions, cmu_captions

__all__ = ["CorpusTake", "PretrainCorpus", "build_corpus", "iter_corpus_takes", "CORPUS_SOURCES"]

log = logging.getLogger(__name__)

CORPUS_SOURCES = ("bandai", "cmu", "humanml3d", "postures", "gait")
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class CorpusTake:
    """One simulated take: acc and gyro of all 22 nodes, shape (n_samples, 22, 3), and its captions."""

    acc: np.ndarray
    gyro: np.ndarray
    captions: tuple[str, ...]
    source: str
    name: str


class PretrainCorpus:
    """Takes stored back to back: ``acc``/``gyro`` of shape (total_samples, 22, 3) with per-take offsets.

    Attributes
    ----------
    acc, gyro : ndarray, shape (total_samples, 22, 3), float32
    offsets : ndarray of int64, shape (n_takes + 1,)
        Take ``i`` spans ``offsets[i]:offsets[i + 1]``.
    captions : list of list of str
    sources, names : list of str
    rate_hz : float
    """

    def __init__(self, acc, gyro, offsets, captions, sources, names, rate_hz: float, meta: dict | None = None):
        self.acc = np.asarray(acc, dtype=np.float32)
        self.gyro = np.asarray(gyro, dtype=np.float32)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.captions = [list(c) for c in captions]
        self.sources = list(sources)
        self.names = list(names)
        self.rate_hz = float(rate_hz)
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        counts = {s: self.sources.count(s) for s in dict.fromkeys(self.sources)}
        hours = (self.offsets[-1] / self.rate_hz) / 3600
        return f"PretrainCorpus({len(self)} takes {counts}, {hours:.2f} h at {self.rate_hz:g} Hz)"

    def lengths(self) -> np.ndarray:
        """Samples per take, shape (n_takes,)."""
        return np.diff(self.offsets)

    def take(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(acc, gyro)`` of take ``i``, each (n_samples, 22, 3)."""
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.acc[a:b], self.gyro[a:b]

    @classmethod
    def from_takes(cls, takes: Iterable[CorpusTake], rate_hz: float, meta: dict | None = None) -> "PretrainCorpus":
        takes = list(takes)
        if not takes:
            raise DataNotFoundError("the pretraining corpus is empty: no source produced a take")
        lengths = [t.acc.shape[0] for t in takes]
        return cls(
            np.concatenate([t.acc for t in takes]),
            np.concatenate([t.gyro for t in takes]),
            np.concatenate([[0], np.cumsum(lengths)]),
            [t.captions for t in takes],
            [t.source for t in takes],
            [t.name for t in takes],
            rate_hz,
            meta,
        )

    def save(self, path: str | Path) -> Path:
        """Write ``<path>.npz`` (arrays) and ``<path>.json`` (captions, names, meta) atomically."""
        path = Path(path).with_suffix("")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part.npz")
        np.savez(tmp, acc=self.acc, gyro=self.gyro, offsets=self.offsets)
        index = {
            "format_version": _FORMAT_VERSION,
            "rate_hz": self.rate_hz,
            "captions": self.captions,
            "sources": self.sources,
            "names": self.names,
            "meta": self.meta,
        }
        tmp_json = path.with_name(path.name + ".part.json")
        tmp_json.write_text(json.dumps(index))
        os.replace(tmp, path.with_suffix(".npz"))
        os.replace(tmp_json, path.with_suffix(".json"))
        return path.with_suffix(".npz")

    @classmethod
    def load(cls, path: str | Path) -> "PretrainCorpus":
        path = Path(path).with_suffix("")
        npz, js = path.with_suffix(".npz"), path.with_suffix(".json")
        if not npz.exists() or not js.exists():
            raise DataNotFoundError(f"no corpus at {npz} (+ .json); build one with imuhar.methods.unimts.build_corpus")
        index = json.loads(js.read_text())
        with np.load(npz, allow_pickle=False) as z:
            return cls(z["acc"], z["gyro"], z["offsets"], index["captions"], index["sources"], index["names"],
                       index["rate_hz"], index.get("meta"))


# ---------------------------------------------------------------------------------------------- sources
def _simulate_all_nodes(motion, rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
    from ...simulate import simulate_signals

    if (motion.positions.shape[0] - 1) / motion.rate_hz * rate_hz < 2:
        return None
    sig = simulate_signals(motion, None, rate_hz=rate_hz, noise="ideal")
    acc, gyro = sig.acc.astype(np.float32), sig.gyro.astype(np.float32)
    if not (np.isfinite(acc).all() and np.isfinite(gyro).all()):
        return None
    return acc, gyro


def _bandai_takes(path: Path, rate_hz: float, verbose: bool) -> Iterator[CorpusTake]:
    from ...simulate import find_motion_files, load_motion

    for f in _progress(find_motion_files(path), "bandai", verbose):
        stem = PurePosixPath(getattr(f, "name", str(f))).stem  # dataset-1_walk-back_tired_001
        parts = stem.split("_")
        if len(parts) < 4:
            log.warning("skipping %s: name does not follow dataset-N_<content>_<style>_<take>", stem)
            continue
        sim = _simulate_all_nodes(load_motion(f), rate_hz)
        if sim is not None:
            yield CorpusTake(*sim, tuple(bandai_captions(parts[1], parts[2])), "bandai", stem)


def _read_cmu_descriptions(path: Path) -> dict[tuple[int, int], str]:
    from ...datasets._io import open_source

    src = open_source(path)
    hits = src.glob("*cmu_motion_descriptions.csv")
    if not hits:
        raise DataNotFoundError(f"cmu_motion_descriptions.csv not found in {path}: it gives each CMU trial its caption")
    table = {}
    for row in csv.DictReader(io.StringIO(src.read_text(hits[0]))):
        try:
            table[(int(row["Subject"]), int(row["Trial #"]))] = row["Motion Description"]
        except (KeyError, ValueError):
            continue
    return table


def _cmu_takes(path: Path, rate_hz: float, verbose: bool) -> Iterator[CorpusTake]:
    from ...simulate import find_motion_files, load_motion

    table = _read_cmu_descriptions(path)
    for f in _progress(find_motion_files(path), "cmu", verbose):
        stem = PurePosixPath(getattr(f, "name", str(f))).stem
        m = re.match(r"^(\d+)_(\d+)$", stem)
        if not m or (int(m.group(1)), int(m.group(2))) not in table:
            log.warning("skipping %s: no CMU description for it", stem)
            continue
        sim = _simulate_all_nodes(load_motion(f), rate_hz)
        if sim is not None:
            yield CorpusTake(*sim, tuple(cmu_captions(table[(int(m.group(1)), int(m.group(2)))])), "cmu", stem)


def _humanml3d_takes(path: Path, rate_hz: float, verbose: bool) -> Iterator[CorpusTake]:
    from ...datasets._io import open_source
    from ...simulate import read_humanml3d

    src = open_source(path)
    joints = [n for n in src.glob("*new_joints/*.npy")]
    for name in _progress(joints, "humanml3d", verbose):
        mid = PurePosixPath(name).stem
        text_hits = src.glob(f"*texts/{mid}.txt")
        if not text_hits:
            continue
        captions = []
        for line in src.read_text(text_hits[0]).splitlines():
            fields = line.split("#")
            # segment captions (start/end not 0) describe part of the motion; keep whole-motion ones
            if fields and fields[0].strip() and (len(fields) < 4 or float(fields[2] or 0) == 0.0 and float(fields[3] or 0) == 0.0):
                captions.append(fields[0].strip().rstrip("."))
        if not captions:
            continue
        sim = _simulate_all_nodes(read_humanml3d(io.BytesIO(src.read_bytes(name)), source=src.describe(name)), rate_hz)
        if sim is not None:
            yield CorpusTake(*sim, tuple(captions), "humanml3d", mid)


def _synthetic_takes(motions: Sequence, source: str, rate_hz: float, verbose: bool) -> Iterator[CorpusTake]:
    """Simulate synthesizer motions (Y-up joint positions, :class:`~._postures.SyntheticMotion`) at all nodes."""
    from ...simulate import canonical_motion_from_positions
    from ...simulate._motion import UP_AXIS_TO_Z

    to_z = UP_AXIS_TO_Z["y"]
    for k, m in enumerate(_progress(motions, source, verbose)):
        motion = canonical_motion_from_positions(m.positions @ to_z.T, m.rate_hz, source=f"{source}:{m.name}")
        sim = _simulate_all_nodes(motion, rate_hz)
        if sim is not None:
            yield CorpusTake(*sim, tuple(m.captions), source, f"{m.name}#{k}")


def _posture_takes(rate_hz: float, verbose: bool, seed: int, n_holds: int, n_transitions: int) -> Iterator[CorpusTake]:
    from ._postures import posture_corpus

    motions = list(posture_corpus(n_holds_per_posture=n_holds, n_per_transition=n_transitions, seed=seed, transitions="all"))
    yield from _synthetic_takes(motions, "postures", rate_hz, verbose)


def _gait_takes(rate_hz: float, verbose: bool, seed: int, n_per_gait: int) -> Iterator[CorpusTake]:
    from ._gait import gait_corpus

    yield from _synthetic_takes(list(gait_corpus(n_per_gait=n_per_gait, duration_s=12.0, seed=seed)), "gait", rate_hz, verbose)


def _progress(items: Sequence, desc: str, verbose: bool):
    from tqdm.auto import tqdm

    return tqdm(items, desc=f"simulating {desc}", unit="take", disable=not verbose)


def iter_corpus_takes(
    *,
    bandai: str | Path | None = None,
    cmu: str | Path | None = None,
    humanml3d: str | Path | None = None,
    postures: bool = True,
    rate_hz: float = 20.0,
    posture_holds: int = 6,
    posture_transitions: int = 1,
    gait: int = 0,
    seed: int = 0,
    verbose: bool = True,
) -> Iterator[CorpusTake]:
    """Simulated, captioned takes from every given source (see the module docstring)."""
    for name, path in (("bandai", bandai), ("cmu", cmu), ("humanml3d", humanml3d)):
        if path is not None and not Path(path).exists():
            raise DataNotFoundError(f"{name} source {path} does not exist: pass the folder or archive, or leave it out")
    if bandai is not None:
        yield from _bandai_takes(Path(bandai), rate_hz, verbose)
    if cmu is not None:
        yield from _cmu_takes(Path(cmu), rate_hz, verbose)
    if humanml3d is not None:
        yield from _humanml3d_takes(Path(humanml3d), rate_hz, verbose)
    if postures:
        yield from _posture_takes(rate_hz, verbose, seed, posture_holds, posture_transitions)
    if gait < 0:
        raise InvalidParameterError(f"gait is the number of takes per synthesized gait (0: none); received {gait}")
    if gait:
        yield from _gait_takes(rate_hz, verbose, seed, gait)


def build_corpus(
    *,
    cache_dir: str | Path | None = None,
    rebuild: bool = False,
    verbose: bool = True,
    **sources,
) -> PretrainCorpus:
    """Build (or load from the cache) the simulated pretraining corpus.

    Parameters
    ----------
    cache_dir : path, optional
        Where the corpus is cached; default ``$IMUHAR_DATA/unimts-corpus``. The file name is a hash of the
        sources and parameters, so a change rebuilds.
    rebuild : bool
        Ignore a cached corpus.
    **sources
        Passed to :func:`iter_corpus_takes` (``bandai=``, ``cmu=``, ``humanml3d=``, ``postures=``, ``rate_hz=`` ...).
    """
    from ...datasets import data_home

    unknown = set(sources) - {"bandai", "cmu", "humanml3d", "postures", "gait", "rate_hz", "posture_holds", "posture_transitions", "seed"}
    if unknown:
        raise InvalidParameterError(f"unknown corpus option(s) {sorted(unknown)}")
    key_src = {k: (str(Path(v).resolve()) if isinstance(v, (str, Path)) else v) for k, v in sorted(sources.items())}
    if sources.get("gait"):
        from ._gait import GAIT_VERSION

        key_src["gait_version"] = GAIT_VERSION
    key = hashlib.sha256(json.dumps([_FORMAT_VERSION, key_src], sort_keys=True).encode()).hexdigest()[:16]
    cache = Path(cache_dir) if cache_dir is not None else data_home() / "unimts-corpus"
    path = cache / f"corpus-{key}"
    if not rebuild and path.with_suffix(".npz").exists():
        log.info("loading cached corpus %s", path)
        return PretrainCorpus.load(path)
    corpus = PretrainCorpus.from_takes(
        iter_corpus_takes(verbose=verbose, **sources), sources.get("rate_hz", 20.0), meta={"sources": key_src}
    )
    corpus.save(path)
    return corpus
