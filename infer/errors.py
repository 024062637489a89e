"""The one error type for bad input (exit 2), and its kinds for a write fault (exit 1), a reader that closed
its pipe (exit 141, silent) and a stop (SIGTERM).

Both name the file (or model, or task) and the problem, printed by the CLI as one line.
"""

from __future__ import annotations

import errno
import os
import re
from os import PathLike


class InputError(Exception):
    """Bad input that the user must fix; the CLI prints it as one line and exits 2."""

    exit_code = 2

    def __init__(self, source: str | PathLike[str], problem: str):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")

    def __reduce__(self):  # pickled by its fields: a Ray worker's error reaches the driver whole
        return type(self), (self.source, self.problem)


class WriteError(InputError):
    """An output could not be written (disk full, read-only, no permission); the CLI exits 1."""

    exit_code = 1


class ReaderGone(WriteError):
    """The reader of a pipe or FIFO closed it (`reportag tag … -o - | head`): the reader's choice, not a fault.

    The CLI stops quietly with 141 (128 + SIGPIPE), the status of `cat` or `yes` in the same pipe.
    """

    exit_code = 141


def silence_stdout() -> None:
    """Point standard output's descriptor at /dev/null once its reader has left, so that the interpreter's last
    flush of what is still buffered cannot fail and print "Exception ignored … BrokenPipeError"."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a stdout without a descriptor (a test runner's buffer)
        pass


class Stopped(BaseException):
    """The run was stopped by SIGTERM; the CLI prints one line and exits 128 + 15, as the signal would.

    A BaseException, as KeyboardInterrupt is: no `except Exception` on the way may swallow it.
    """

    exit_code = 143

    def __init__(self, source: str | PathLike[str], problem: str):
        self.source, self.problem = str(source), problem
        super().__init__(f"{self.source}: {problem}")


CAUSES = {errno.ENOSPC: "disk full (no space left on the device)", errno.EROFS: "read-only file system",
          errno.EACCES: "permission denied", errno.EPERM: "permission denied (operation not permitted)",
          errno.EFBIG: "file too large (over the file size limit)", errno.EDQUOT: "disk quota exceeded",
          errno.EIO: "input/output error (the device failed)"}


def write_error(path: str | PathLike[str], exc: OSError, doing: str = "cannot write") -> WriteError:
    """The one-line WriteError for an OSError met while writing `path`: '<path>: cannot write: disk full …'.

    A broken pipe (EPIPE) gives ReaderGone, which the CLI does not print.
    """
    if exc.errno == errno.EPIPE:
        return ReaderGone(path, "the reader closed the pipe")
    cause = CAUSES.get(exc.errno) or (os.strerror(exc.errno) if exc.errno else str(exc)) or type(exc).__name__
    return WriteError(path, f"{doing}: {cause}")


_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters (escape sequences) shown as \\xNN."""
    return _TERMINAL_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def error_line(message: object, kind: str = "error") -> str:
    """The one error (or warning) line every command prints: 'reportag: error: …' with control characters escaped."""
    return f"reportag: {kind}: {printable(str(message))}\n"
