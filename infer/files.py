"""Writing files so that nothing is ever half-written, and locking a folder against a second writer.

- `atomic_open`: a temporary file beside the target replaces it only when the block succeeds;
  a symlink is followed (its target is replaced, the link stays); a character device or
  FIFO (/dev/null, a pipe) is written in place, never replaced by a regular file.
- `FolderLock`: an advisory lock (fcntl) on a folder; a second writer waits a bounded
  time, then gets an InputError saying the folder is busy.
- `OutputLock`: the lock of one output being written; a second run is refused at once,
  told which process holds it.
- `probe_writable`: creates and removes a file where an output will go, before any work.
Every OSError met while writing becomes a one-line WriteError naming the file and the cause.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from infer.errors import InputError, WriteError, write_error


def output_problem(path: str | Path) -> str | None:
    """Why `path` cannot be written as one output file, or None."""
    path = Path(path)
    if path.is_dir():
        return "is a folder (to write a Parquet dataset into it, end the path with /)"
    parent = Path(os.path.realpath(path)).parent
    if parent.exists() and not parent.is_dir():
        return f"{parent} is not a folder"
    return None


def _special(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open `path` for writing; a regular file is replaced only if the block succeeds.

    An OSError (disk full, read-only, permission) becomes a WriteError naming the file; the
    temporary file is removed, so nothing half-written is left.
    """
    path = Path(path)
    if _special(path):  # /dev/stdout, /dev/null, a named pipe: write in place
        try:
            with open(path, mode.replace("x", "w"), encoding=None if "b" in mode else encoding) as handle:
                yield handle
        except OSError as exc:
            raise write_error(path, exc) from None
        return
    target = Path(os.path.realpath(path))  # a symlink's target is what gets replaced
    problem = output_problem(target)
    if problem:
        raise InputError(path, problem)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise place_error(target, target.parent, exc) from None
    try:
        try:
            existing = os.stat(target).st_mode & 0o777
        except OSError:
            existing = 0o666 & ~_umask()
        os.chmod(tmp, existing)  # mkstemp makes 0600; keep the old file's mode, else the usual one
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(target, exc) from None
        raise


def place_error(output: str | Path, folder: Path, exc: OSError):
    """The WriteError for a file that could not be made in `folder` for `output`, naming the output, never a
    side file (a lock, a temporary file), and the real cause: /proc answers 'No such file' for a folder that
    exists but takes no new files."""
    if exc.errno == errno.ENOENT and folder.is_dir():
        return WriteError(output, f"cannot write here: {folder} takes no new files")
    return write_error(output, exc, "cannot write here")


def probe_writable(path: str | Path, folder: bool = False) -> None:
    """Create and remove a file where the output `path` (a file, or a folder when `folder`) will be written.

    Run before any tagging, so a read-only or forbidden place costs no work: WriteError.
    """
    path = Path(path)
    if not folder and _special(path):
        return
    place = Path(os.path.realpath(path)) if folder else Path(os.path.realpath(path)).parent
    try:
        place.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".reportag-probe-", dir=place)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise place_error(path, place, exc) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def swap_in(staging: str | Path, target: str | Path) -> Path:
    """Put the finished folder `staging` where `target` is, replacing any old one.

    The old folder is first renamed aside (`.<name>.old`) and removed only after the new one
    is in place, so a reader never finds a half-written folder at `target`.
    """
    import shutil

    target = Path(target)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    Path(staging).rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_open(path, encoding=encoding) as handle:
        to_stream(text, handle)


def to_stream(text: str, stream, chunk: int = 1 << 16) -> None:
    """Write `text` to an open stream (standard output, a FIFO) in 64 KiB pieces, then flush.

    One large write into a pipe whose reader has left returns short and Python drops the rest without an
    error; the next piece meets the closed pipe (BrokenPipeError), so the CLI knows (infer.errors.ReaderGone).
    """
    for start in range(0, len(text), chunk):
        stream.write(text[start:start + chunk])
    stream.flush()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


class FolderLock:
    """An exclusive advisory lock on a folder (its `.lock` file), held for a `with` block."""

    def __init__(self, folder: str | Path, timeout: float = 30.0, what: str = "folder"):
        self.folder = Path(folder)
        self.timeout = timeout
        self.what = what
        self.fd: int | None = None

    def __enter__(self) -> "FolderLock":
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        try:  # never through a link: a planted .lock -> ~/.bashrc must not be opened for writing
            self.fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(self.folder / ".lock", "is a symlink: remove it (the lock is never a link)") from None
            raise write_error(self.folder / ".lock", exc) from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = None
                    raise InputError(self.folder, f"the {self.what} is busy: another reportag command is writing "
                                     f"it (waited {self.timeout:g} s); try again when it has finished") from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        import fcntl

        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class OutputLock:
    """One writer per output: an exclusive lock (fcntl) on `lock_path`, refused at once when held.

    The lock file holds the holder's pid and start time, quoted to a second run, and is
    removed when the run ends (still locked, so no run can take it between). A run that
    opened it just before it was removed finds on locking that the path no longer names
    its file, and opens the path again: two runs never hold different files.
    """

    def __init__(self, lock_path: str | Path, output: str | Path):
        self.path, self.output = Path(lock_path), output
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        for _ in range(100):  # another run removing the lock as we open it: open again
            if self._lock():
                break
        note = f"reportag (pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')})".encode()
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, note, 0)
        except OSError:
            pass  # the lock holds without its note (a full disk)
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _lock(self) -> bool:
        """Open and lock the lock file; False when it was removed (by a finishing run) before we locked it."""
        import fcntl

        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(self.path, "is a symlink: remove it (the lock is never a link)") from None
            raise place_error(self.output, self.path.parent, exc) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(self.fd, 200, 0).decode("utf-8", "replace").strip() or "another reportag run"
            os.close(self.fd)
            self.fd = None
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise InputError(self.output, f"is being written by {holder}: wait for it to finish or choose "
                                 "another output") from None
            raise write_error(self.output, exc) from None
        try:
            same = os.path.samestat(os.fstat(self.fd), os.stat(self.path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if not same:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
        return same

    def release(self) -> None:
        """Remove the lock file, then unlock it (in this order: a waiting run then opens a fresh one)."""
        import fcntl

        if self.fd is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass  # a read-only place: the lock file stays, harmless
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
