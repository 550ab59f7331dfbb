"""Fetch and unpack pyzeebe's source distribution, which ships its integration suite.

The tarball is fetched with pip from the package registry at test time (never copied into the
project), checked against a pinned SHA-256, and unpacked once; both are cached under the git-ignored
``.cache/pyzeebe-sdist/``. Any failure raises :class:`SdistError`, which the runner turns into a failed run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PYZEEBE_VERSION = "4.7.0"
SDIST_NAME = f"pyzeebe-{PYZEEBE_VERSION}.tar.gz"
SDIST_SHA256 = "767b94f28fbd2a6a6fba13351d7febab87c8539968355f786c581f4513d4bd93"
"""SHA-256 of pyzeebe-4.7.0.tar.gz as the registry serves it."""

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "pyzeebe-sdist"
SUITE = Path("tests") / "integration"
"""The suite inside the unpacked sdist; its conftest opens ``tests/integration/test.bpmn`` relative to the cwd."""


class SdistError(RuntimeError):
    """The sdist could not be fetched, verified or unpacked."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache_dir: Path = CACHE_DIR) -> Path:
    """The verified tarball, downloaded with ``pip download`` unless already cached."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tarball = cache_dir / SDIST_NAME
    if not tarball.is_file():
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as scratch:
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"pyzeebe=={PYZEEBE_VERSION}",
                "-d",
                scratch,
            ]
            print(f"pyzeebe suite: fetching {SDIST_NAME}: {' '.join(command)}", flush=True)
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            downloaded = Path(scratch) / SDIST_NAME
            if result.returncode != 0 or not downloaded.is_file():
                raise SdistError(
                    f"could not fetch {SDIST_NAME} (pip exited {result.returncode}):\n"
                    f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
                )
            downloaded.replace(tarball)
    actual = _sha256(tarball)
    if actual != SDIST_SHA256:
        tarball.unlink()
        raise SdistError(f"{SDIST_NAME} has SHA-256 {actual}, expected {SDIST_SHA256}; deleted it")
    return tarball


def unpack(tarball: Path, cache_dir: Path = CACHE_DIR) -> Path:
    """The unpacked sdist root (``pyzeebe-<version>/``), unpacked unless already there."""
    root = cache_dir / f"pyzeebe-{PYZEEBE_VERSION}"
    if not root.is_dir():
        # Unpack beside it and rename, so an interrupted unpack never passes for a cached one.
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".unpack-") as scratch:
            try:
                with tarfile.open(tarball) as archive:
                    archive.extractall(scratch, filter="data")
            except (tarfile.TarError, OSError) as error:
                raise SdistError(f"could not unpack {tarball}: {error}") from error
            unpacked = Path(scratch) / root.name
            if not unpacked.is_dir():
                raise SdistError(f"{tarball} holds no {root.name}/ folder")
            unpacked.replace(root)
    conftest = root / SUITE / "conftest.py"
    if not conftest.is_file():
        raise SdistError(f"{conftest} is missing: the sdist does not ship the integration suite")
    return root


def prepare(cache_dir: Path = CACHE_DIR, *, refresh: bool = False) -> Path:
    """Fetch (cached) and unpack (cached) the sdist; ``refresh`` drops the cache first."""
    if refresh and cache_dir.exists():
        shutil.rmtree(cache_dir)
    return unpack(fetch(cache_dir), cache_dir)
