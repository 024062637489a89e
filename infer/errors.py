"""The one error type for bad input: it names the file (or model, or task) and the problem."""

from __future__ import annotations

from os import PathLike


class InputError(Exception):
    """Bad input that the user must fix; the CLI prints it as one line and exits 2."""

    def __init__(self, source: str | PathLike[str], problem: str):
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")
