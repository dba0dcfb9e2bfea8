"""Writing what archc makes: files replaced whole, never the input, and a standard output that cannot be written.

`write` puts a file beside its target and renames it over, so a reader (a
build, an editor) sees the old file or the new one, never half of one; it
keeps the old file's mode and follows links. `same_file` tells an output that
is the input (by name or through a link), which render and build refuse.
`quiet_stdout` points standard output at /dev/null once it failed (a full
disk, a closed pipe), so Python's last flush at exit raises no more.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def same_file(a: str, b: str) -> bool:
    """Whether the paths name one file, by their names or through a link (False when either cannot be read)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(a).exists() and Path(a).samefile(b))
    except OSError:
        return False


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so Python's last flush at exit fails no more."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def write(path: Path, data: bytes) -> None:
    """A regular file (or a new one) is written beside itself and renamed over,
    so a reader sees the old file or the new one, never half of one; a link
    is followed, and stays a link. Anything else that exists (/dev/null, a
    FIFO, a terminal) is written into: renaming over it would replace it."""
    if path.exists() and not path.is_file():
        with open(path, "wb") as handle:
            handle.write(data)
        return
    _replace(path.resolve(), data)


def _replace(path: Path, data: bytes) -> None:
    import tempfile  # here: it imports random and shutil, which a check never needs

    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    # A short name beside the file: one made from the file's own name fails for a long valid name.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".archc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)  # the old file's mode, or a new file's; mkstemp's 0600 is for secrets
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
