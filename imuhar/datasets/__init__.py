"""Benchmark loaders: a card and a parser per dataset, a registry, downloads into a checked cache.

>>> from imuhar.datasets import list_datasets, get_dataset
>>> ds = get_dataset("uci-har")                          # doctest: +SKIP
>>> recordings = ds.load("../shared/data/uci-hapt.zip")  # doctest: +SKIP

Every parser reads the files as their authors ship them, from a folder or the downloaded archive read in place,
and yields :class:`imuhar.core.Recording` objects in SI units (m/s² with gravity, rad/s) with per-sample labels.

For the simulator, :func:`utd_mhad_skeleton_files` pairs UTD-MHAD's Kinect skeleton files with their inertial
trials (joint order :data:`UTD_MHAD_KINECT_JOINTS`).
"""

from ._card import DatasetCard, RemoteFile, SplitRule
from ._fetch import MANIFEST_NAME, data_home, download, sha256_file, verify_download
from ._io import DataSource, open_source
from ._registry import REGISTRY, Dataset, get_dataset, list_datasets, load_dataset, restrict_to_benchmark, vocabulary_of
from ._utd_mhad import KINECT_JOINTS as UTD_MHAD_KINECT_JOINTS
from ._utd_mhad import UTDTrial
from ._utd_mhad import skeleton_files as utd_mhad_skeleton_files

__all__ = [
    "DataSource",
    "Dataset",
    "DatasetCard",
    "MANIFEST_NAME",
    "REGISTRY",
    "RemoteFile",
    "SplitRule",
    "UTDTrial",
    "UTD_MHAD_KINECT_JOINTS",
    "card_to_markdown",
    "data_home",
    "download",
    "get_dataset",
    "list_datasets",
    "load_dataset",
    "open_source",
    "restrict_to_benchmark",
    "sha256_file",
    "stale_cards",
    "utd_mhad_skeleton_files",
    "verify_download",
    "vocabulary_of",
    "write_cards",
]

_LAZY = {"card_to_markdown", "stale_cards", "write_cards"}


def __getattr__(name: str):
    # _markdown is also run as a script (python -m imuhar.datasets._markdown); importing it eagerly here would
    # make runpy warn that the module was imported before being executed.
    if name in _LAZY:
        from . import _markdown

        return getattr(_markdown, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
