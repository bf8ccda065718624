"""Downloads into the cache: through a temporary folder, SHA-256 checked, unpacked, then moved into place.

The cache is ``$IMUHAR_DATA`` (default ``~/.cache/imuhar``); dataset ``name`` lives in ``<cache>/<name>/``.
A download is staged in ``<cache>/.<name>.part-<random>/`` (each file first written as ``<file>.part``), and only
once every file is complete, verified and unpacked is the staging folder renamed to ``<cache>/<name>``. Any
failure removes the staging folder, so the cache never holds a half-written dataset.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import IO, Callable

from ..core import ChecksumError, DataFormatError, DataNotFoundError, InvalidParameterError
from ._card import DatasetCard, RemoteFile

__all__ = ["data_home", "download", "sha256_file", "verify_download", "MANIFEST_NAME"]

logger = logging.getLogger(__name__)

#: File written beside the unpacked files, recording what was fetched (URL, digest, time).
MANIFEST_NAME = "imuhar-download.json"
_CHUNK = 1 << 20

Opener = Callable[[str, float], IO[bytes]]


def data_home() -> Path:
    """The dataset cache folder: ``$IMUHAR_DATA`` or ``~/.cache/imuhar`` (not created here)."""
    env = os.environ.get("IMUHAR_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "imuhar"


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _default_opener(url: str, timeout: float) -> IO[bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": "imuhar"})
    return urllib.request.urlopen(req, timeout=timeout)  # noqa: S310 - URLs come from dataset cards


def _manual_hint(card: DatasetCard, remote: RemoteFile, target: Path) -> str:
    return (
        f"Download {remote.url} by hand" + (f" ({remote.manual})" if remote.manual else "")
        + f" and put {remote.filename} at {target / remote.filename} (or unpack it into {target}); "
        f"any loader also accepts data_dir= / --data-dir pointing at the folder or archive you already have."
    )


def _fetch_one(remote: RemoteFile, dest: Path, opener: Opener, timeout: float, verbose: bool) -> str:
    """Stream ``remote`` into ``dest`` via ``dest.part``; returns the SHA-256. Removes the .part on failure."""
    part = dest.with_name(dest.name + ".part")
    h = hashlib.sha256()
    try:
        with opener(remote.url, timeout) as response, open(part, "wb") as out:
            total = None
            length = getattr(response, "headers", {}) and response.headers.get("Content-Length")
            if length and str(length).isdigit():
                total = int(length)
            from tqdm.auto import tqdm

            with tqdm(total=total, unit="B", unit_scale=True, desc=remote.filename, disable=not verbose) as bar:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
        digest = h.hexdigest()
        if remote.sha256 is not None and digest != remote.sha256.lower():
            raise ChecksumError(
                f"{remote.filename} from {remote.url} has SHA-256 {digest}, expected {remote.sha256}; the download "
                f"is corrupt or the file changed upstream. It was deleted; retry, or fetch it by hand and check it."
            )
        os.replace(part, dest)
        return digest
    finally:
        if part.exists():
            part.unlink()


def _unpack(archive: Path, into: Path) -> list[Path]:
    """Unpack a zip or tar archive into ``into`` (refusing paths that escape it); returns nested archives."""
    base = into.resolve()

    def safe(member: str) -> None:
        if not (base / member).resolve().is_relative_to(base):
            raise DataFormatError(f"{archive} holds the unsafe path {member!r}; refusing to unpack it")

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                safe(member)
            zf.extractall(into)
            names = zf.namelist()
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                safe(member.name)
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: refuse links and devices too
                tf.extractall(into, filter="data")
            else:
                tf.extractall(into)
            names = tf.getnames()
    else:
        return []
    return [into / n for n in names if n.lower().endswith((".zip", ".tar.gz", ".tgz", ".tar"))]


def download(
    name_or_card: str | DatasetCard,
    *,
    root: str | Path | None = None,
    force: bool = False,
    unpack: bool = True,
    opener: Opener | None = None,
    timeout_s: float = 10.0,
    verbose: bool = True,
) -> Path:
    """Fetch a dataset's files into ``<root>/<name>`` (default root: :func:`data_home`).

    Parameters
    ----------
    name_or_card : str or DatasetCard
        Registry name or card.
    root : path, optional
        Cache root; default ``$IMUHAR_DATA`` or ``~/.cache/imuhar``.
    force : bool
        Replace a dataset already in the cache.
    unpack : bool
        Unpack zip/tar archives (and archives nested one level inside them) beside the archive, which is kept
        so ``imuhar datasets verify`` can re-check its digest.
    opener : callable, optional
        ``opener(url, timeout_s) -> binary file-like``; default ``urllib.request.urlopen``. Tests pass their own.
    timeout_s : float
        Connect/read timeout in seconds; offline, the first connection fails after at most this long.
    verbose : bool
        Progress bars.

    Returns
    -------
    Path
        The dataset folder ``<root>/<name>``.

    Raises
    ------
    DataNotFoundError
        If a file cannot be fetched (offline, HTTP error, or a form/login is needed); the message gives the URL
        and where to put the file by hand.
    ChecksumError
        If a file's SHA-256 differs from the card's. Nothing is left in the cache in either case.
    """
    if isinstance(name_or_card, DatasetCard):
        card = name_or_card
    else:
        from ._registry import get_dataset

        card = get_dataset(name_or_card).card
    if not card.files:
        raise InvalidParameterError(f"{card.name} has no files to download (its data come from a Python package)")
    root = Path(root).expanduser() if root is not None else data_home()
    target = root / card.name
    if target.exists() and not force:
        logger.info("%s is already in %s; pass force=True to fetch it again", card.name, target)
        return target
    manual = [
        f for f in card.files
        if not f.direct or (f.manual and not f.url.startswith(("http://", "https://", "file://", "ftp://")))
    ]
    if manual:
        raise DataNotFoundError(
            f"{card.name} cannot be downloaded automatically. " + " ".join(_manual_hint(card, f, target) for f in manual)
        )
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{card.name}.part-", dir=root))
    opener = opener or _default_opener
    try:
        records = []
        for remote in card.files:
            dest = staging / remote.filename
            try:
                digest = _fetch_one(remote, dest, opener, timeout_s, verbose)
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DataNotFoundError(
                    f"could not fetch {remote.url} ({reason}). " + _manual_hint(card, remote, target)
                ) from exc
            records.append({"url": remote.url, "filename": remote.filename, "sha256": digest,
                            "pinned": remote.sha256 is not None})
            if remote.filename.lower().endswith(".zip") and not zipfile.is_zipfile(dest):
                head = dest.read_bytes()[:60]
                raise DataFormatError(
                    f"{remote.url} did not return a zip archive (it starts with {head!r}); the server may have "
                    f"answered with an error or login page. " + _manual_hint(card, remote, target)
                )
            if unpack:
                nested = _unpack(dest, staging)
                for inner in nested:  # UCI wraps archives in archives
                    if inner.exists():
                        _unpack(inner, inner.parent)
        (staging / MANIFEST_NAME).write_text(
            json.dumps({"dataset": card.name, "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "files": records}, indent=2)
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("downloaded %s into %s", card.name, target)
    return target


def verify_download(name_or_card: str | DatasetCard, *, root: str | Path | None = None) -> list[dict]:
    """Re-check the SHA-256 of every fetched archive of a dataset in the cache.

    Returns
    -------
    list of dict
        One ``{"filename", "sha256", "expected", "ok"}`` per file; ``expected`` is the card's digest, or the one
        recorded at download time where the card has none.

    Raises
    ------
    DataNotFoundError
        If the dataset is not in the cache.
    """
    if isinstance(name_or_card, DatasetCard):
        card = name_or_card
    else:
        from ._registry import get_dataset

        card = get_dataset(name_or_card).card
    target = (Path(root).expanduser() if root is not None else data_home()) / card.name
    manifest_path = target / MANIFEST_NAME
    if not manifest_path.exists():
        raise DataNotFoundError(
            f"{card.name} was not downloaded into {target} (no {MANIFEST_NAME}); run `imuhar datasets download "
            f"{card.name}`"
        )
    recorded = {r["filename"]: r for r in json.loads(manifest_path.read_text())["files"]}
    out = []
    for remote in card.files:
        path = target / remote.filename
        expected = remote.sha256 or recorded.get(remote.filename, {}).get("sha256")
        digest = sha256_file(path) if path.exists() else None
        out.append({"filename": remote.filename, "sha256": digest, "expected": expected,
                    "ok": digest is not None and digest == (expected or digest)})
    return out
