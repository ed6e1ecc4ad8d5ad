"""Finding seed files and reading them: the file walk, capped reads and fingerprints."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .seedfile import content_hash

SEED_SUFFIXES = (".txt", ".md")


class UsageError(ValueError):
    """The import was asked for something that cannot be done (e.g. a missing path)."""


class NotRegularFile(OSError):
    """A FIFO, socket or device where a seed file was expected."""


@dataclass(slots=True)
class SeedFile:
    """One file of a run: where it is, its place in path order, its bytes and fingerprint
    until it is parsed, or why it cannot be read."""

    path: str
    index: int
    raw: bytes = b""
    hash: str = ""
    error: str = ""


class FoundFiles(list[str]):
    """The seed files of a run, in path order, and why some of them will not be read."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: dict[str, str] = {}


def find_seed_files(paths: Iterable[str | os.PathLike[str]]) -> FoundFiles:
    """Seed files under the given files and folders, in path order, each once.

    Folders are searched recursively for ``*.txt`` and ``*.md``, skipping hidden entries and
    not following links to folders. A linked file whose target is outside every folder given
    is listed as refused (``FoundFiles.refused``), so that the run says so.
    """
    given = [Path(p) for p in paths]
    for path in given:
        if not (path.is_dir() or path.exists()):
            raise UsageError(f"{path}: no such file or folder")
    roots = [os.path.realpath(p) for p in given if p.is_dir()]
    found = FoundFiles()
    seen: set[str] = set()
    for path in given:
        candidates = (
            sorted(_walk(path, roots, found.refused)) if path.is_dir() else [str(path.resolve())]
        )
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                found.append(candidate)
    return found


def _walk(root: Path, roots: list[str], refused: dict[str, str]) -> Iterator[str]:
    """Files under ``root`` with a seed suffix, not hidden; the directory entries' types
    come with the listing, so only a link costs a look at its target."""
    folders = [str(root.resolve())]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue  # as os.walk: a folder that cannot be listed is passed over
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif name.endswith(SEED_SUFFIXES) and not _linked_folder(entry):
                    if entry.is_symlink() and not _inside(os.path.realpath(entry.path), roots):
                        refused[entry.path] = (
                            "a link to a file outside the folders given: not followed"
                        )
                    yield entry.path
            except OSError as exc:  # a link that loops (ELOOP), or an entry gone meanwhile
                refused[entry.path] = f"cannot be followed: {exc.strerror or exc}: skipped"
                yield entry.path


def _linked_folder(entry: os.DirEntry[str]) -> bool:
    """Links to folders are not followed (a loop, or a walk outside the folders given)."""
    return entry.is_symlink() and entry.is_dir()


def _inside(path: str, roots: list[str]) -> bool:
    return any(path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def shown_path(path: str) -> str:
    """``path`` as one printable line: a name that is not UTF-8, or holds control characters,
    shown with backslash escapes."""
    if path.isprintable():
        return path
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def read_seed(path: str, index: int, max_bytes: int) -> SeedFile:
    """The file's bytes and fingerprint, or the one-line reason it cannot be read."""
    seed = SeedFile(path=path, index=index)
    if not path.isascii():
        try:
            path.encode()
        except UnicodeEncodeError:  # bytes that are not UTF-8, kept as surrogates by Python
            seed.error = "the file name is not UTF-8, so it cannot be stored: rename the file"
            return seed
    try:
        raw = read_capped(path, max_bytes)
    except NotRegularFile:
        seed.error = "not a regular file (a pipe, socket or device?): skipped"
        return seed
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
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever.
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path)
        chunks: list[bytes] = []
        total, want = 0, min(info.st_size, max_bytes) + 1
        while total <= max_bytes and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, max_bytes + 1 - total)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
