"""Finding seed files and reading them: the file walk, capped reads and fingerprints."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .seedfile import content_hash

SEED_SUFFIXES = (".txt", ".md")


class UsageError(ValueError):
    """The import was asked for something that cannot be done (e.g. a missing path)."""


@dataclass(slots=True)
class SeedFile:
    """One file of a run: where it is, its place in path order, its bytes and fingerprint
    until it is parsed, or why it cannot be read."""

    path: str
    index: int
    raw: bytes = b""
    hash: str = ""
    error: str = ""


def find_seed_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Seed files under the given files and folders, in path order, each once.

    Folders are searched recursively for ``*.txt`` and ``*.md``, skipping hidden entries.
    """
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = sorted(_walk(path))
        elif path.is_file():
            candidates = [str(path.resolve())]
        else:
            raise UsageError(f"{given}: no such file or folder")
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                found.append(candidate)
    return found


def _walk(root: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(root.resolve(), followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(SEED_SUFFIXES) and not name.startswith("."):
                yield os.path.join(folder, name)


def read_seed(path: str, index: int, max_bytes: int) -> SeedFile:
    """The file's bytes and fingerprint, or the one-line reason it cannot be read."""
    seed = SeedFile(path=path, index=index)
    try:
        raw = read_capped(path, max_bytes)
    except OSError as exc:
        seed.error = f"cannot read: {exc.strerror or exc}"
        return seed
    if len(raw) > max_bytes:
        seed.error = f"file is over the {max_bytes:,}-byte limit (see --max-bytes)"
        return seed
    seed.raw = raw
    seed.hash = content_hash(raw)
    return seed


def read_capped(path: str, max_bytes: int) -> bytes:
    """The file's bytes, reading at most ``max_bytes`` + 1 (one more tells a file over the cap).

    Sized by the file, not by the cap: ``open().read(cap)`` would allocate the whole cap for
    every small file (docs/PERFORMANCE.md). Reads on to the end, whatever the size said (a
    file that grew, a file system that reports 0).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks: list[bytes] = []
        total, want = 0, min(os.fstat(fd).st_size, max_bytes) + 1
        while total <= max_bytes and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, max_bytes + 1 - total)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
