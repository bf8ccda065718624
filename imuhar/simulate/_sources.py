"""Find and read mocap takes from files, folders or zip archives, whatever their format."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Sequence

from ..core import DataFormatError, DataNotFoundError, ImuharError
from ._bvh import read_bvh
from ._humanml3d import read_humanml3d
from ._kinect import read_kinect_mat
from ._motion import SkeletonMotion

__all__ = ["MOTION_FORMATS", "MotionFile", "find_motion_files", "load_motion", "iter_motions"]

logger = logging.getLogger(__name__)

#: File suffix -> format name. ``.npy`` is a HumanML3D ``new_joints`` array; ``.mat`` a Kinect skeleton.
MOTION_FORMATS: dict[str, str] = {".bvh": "bvh", ".npy": "humanml3d", ".mat": "kinect_mat"}


def _format_of(name: str, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in MOTION_FORMATS.values():
            raise DataFormatError(f"unknown motion format {fmt!r}; use one of {sorted(set(MOTION_FORMATS.values()))}")
        return fmt
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in MOTION_FORMATS:
        raise DataFormatError(
            f"{name}: cannot tell the motion format from the suffix {suffix!r}; supported are "
            f"{', '.join(f'{k} ({v})' for k, v in MOTION_FORMATS.items())}, or pass fmt=..."
        )
    return MOTION_FORMATS[suffix]


def _wanted_in_folder(name: str) -> bool:
    """Motion files worth reading when scanning a folder or archive (skips HumanML3D features and stats)."""
    p = PurePosixPath(name)
    suffix = p.suffix.lower()
    if suffix == ".bvh":
        return True
    if suffix == ".npy":
        return "new_joint_vecs" not in p.parts and p.stem not in ("Mean", "Std")
    if suffix == ".mat":
        return "skeleton" in name.lower()
    return False


@dataclass(frozen=True)
class MotionFile:
    """One take inside a folder or zip archive (``source`` is a :class:`imuhar.datasets._io.DataSource`)."""

    source: Any
    name: str

    @property
    def label(self) -> str:
        return self.source.describe(self.name)


def find_motion_files(inputs: Sequence[str | Path] | str | Path) -> list[MotionFile | Path]:
    """Expand files, folders and zip archives into a sorted list of motion files.

    Plain files are returned as paths; members of folders and archives as :class:`MotionFile`. Folders and
    archives are searched recursively for ``.bvh``, HumanML3D ``.npy`` (not ``new_joint_vecs``) and
    ``*skeleton*.mat`` files.
    """
    from ..datasets._io import open_source

    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    out: list[MotionFile | Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if not path.exists():
            raise DataNotFoundError(f"motion input {path} does not exist: pass mocap files, folders or zip archives")
        if path.is_file() and path.suffix.lower() != ".zip":
            out.append(path)
            continue
        src = open_source(path)
        names = [n for n in src.names if _wanted_in_folder(n)]
        if not names:
            raise DataNotFoundError(f"no motion files (.bvh, HumanML3D .npy, Kinect *skeleton*.mat) found in {path}")
        out.extend(MotionFile(src, n) for n in names)
    return out


def load_motion(path: str | Path | MotionFile, *, fmt: str | None = None, unit: str | float = "auto", **kwargs: Any) -> SkeletonMotion:
    """Read one take, choosing the reader from the suffix.

    Parameters
    ----------
    path : path or MotionFile
        A ``.bvh`` (any rig), HumanML3D ``.npy`` or UTD-MHAD/Kinect ``*skeleton.mat`` file, or a member of a
        folder/zip from :func:`find_motion_files`.
    fmt : {'bvh', 'humanml3d', 'kinect_mat'}, optional
        Force a format.
    unit : str or float
        BVH length unit (see :func:`read_bvh`).
    **kwargs
        Passed to the reader (``rate_hz`` for HumanML3D/Kinect, ``include_end_sites`` for BVH ...).
    """
    if isinstance(path, MotionFile):
        name, label = path.name, path.label
        kind = _format_of(name, fmt)
        if kind == "kinect_mat" and not {"rate_hz", "duration_s", "inertial_path"} & set(kwargs):
            # the rate comes from the matching inertial file, which sits in ../Inertial/ in the UTD-MHAD layout
            stem = PurePosixPath(name).name.replace("_skeleton.mat", "_inertial.mat")
            cand = str(PurePosixPath(name).parent.parent / "Inertial" / stem)
            if path.source.exists(cand):
                kwargs["inertial_path"] = io.BytesIO(path.source.read_bytes(cand))
        handle = path.source.open(name)
        with handle:
            return _read(kind, handle, label, unit, kwargs)
    p = Path(path)
    return _read(_format_of(p.name, fmt), p, str(p), unit, kwargs)


def _read(kind: str, handle: Any, label: str, unit: str | float, kwargs: dict) -> SkeletonMotion:
    if kind == "bvh":
        return read_bvh(handle, unit=unit, source=label, **kwargs)
    if kind == "humanml3d":
        return read_humanml3d(handle, source=label, **kwargs)
    return read_kinect_mat(handle, source=label, **kwargs)


def iter_motions(
    inputs: Sequence[str | Path] | str | Path | Iterable[MotionFile | Path],
    *,
    skip_errors: bool = False,
    verbose: bool = True,
    **kwargs: Any,
) -> Iterator[SkeletonMotion]:
    """Read every take under ``inputs`` (files, folders, zip archives), with a progress bar.

    Parameters
    ----------
    inputs : paths or the output of :func:`find_motion_files`
    skip_errors : bool
        Log and skip takes that fail to read (broken files in a large archive) instead of raising.
    verbose : bool
        Show a tqdm progress bar.
    **kwargs
        Passed to :func:`load_motion`.
    """
    from tqdm.auto import tqdm

    if isinstance(inputs, (str, Path)) or (
        isinstance(inputs, Sequence) and all(isinstance(i, (str, Path)) for i in inputs)
    ):
        files = find_motion_files(inputs)  # type: ignore[arg-type]
    else:
        files = list(inputs)
    for f in tqdm(files, desc="reading mocap", unit="take", disable=not verbose):
        try:
            yield load_motion(f, **kwargs)
        except ImuharError as exc:
            if not skip_errors:
                raise
            logger.warning("skipping %s: %s", getattr(f, "label", f), exc)
