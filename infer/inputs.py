"""Paths to documents: the one way from what a user names to rows of units.

`segment`, `tag`, `data`, `ls push` and both corpus engines read their inputs here.
A path is a report (.txt .html .htm .docx .pdf), a JSONL file of sentences (`text`,
optional `heading`, `report`, `index`, `kind`, `year`; rows of one `report` in their given
order are one document), a folder (searched recursively, sorted; files reportag wrote
are skipped, recognised by the marker it writes), or `-` for standard input (a report,
or JSONL rows as `reportag segment` writes them). A file that cannot be read becomes
one InputError and the run goes on.
"""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from infer import limits
from infer.errors import InputError
from infer.read import STDIN, STDIN_NAME, SUPPORTED_SUFFIXES, digest, not_regular, read_source, read_text
from infer.outputs.rows import UNIT_FIELDS
from infer.segment import segment
# JSONL rows are read in infer.jsonl_rows; their checks are imported from here by track and the studio
from infer.jsonl_rows import (KINDS, Document, check_index, check_name, check_row, infer_kind,  # noqa: F401
                              jsonl_documents, looks_like_jsonl, parse_json)

JSONL_SUFFIX = ".jsonl"
INPUT_SUFFIXES = SUPPORTED_SUFFIXES | {JSONL_SUFFIX}
OUTPUT_MARKER = "reportag"  # outputs name their writer: HTML <meta name="generator">, JSONL/CSV `model_version`


@dataclass
class Inputs:
    """The files a run reads, and what folders held besides."""

    files: list[Path] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # "not a report (.md)" / "reportag output" -> count
    errors: list[InputError] = field(default_factory=list)  # sub-folders or entries that could not be read
    repeated: list[Path] = field(default_factory=list)  # files named again (directly or in a folder): read once

    def skipped_line(self) -> str | None:
        if not self.skipped:
            return None
        parts = ", ".join(f"{n} {what}" for what, n in sorted(self.skipped.items(), key=lambda x: (-x[1], x[0])))
        return f"skipped {sum(self.skipped.values())} files in folders: {parts}"

    def lines(self) -> list[str]:
        """What the user should know of the inputs before the run: files skipped in folders, files given twice."""
        return [line for line in (self.skipped_line(), repeated_line(self.repeated)) if line]


def expand(paths: Iterable[str | Path]) -> Inputs:
    """Files to read, in order: folders searched recursively (sorted, symlinked folders not followed).

    A file met again (the same resolved path, named directly or found in a folder) is read once
    and listed in `repeated`.

    A sub-folder that cannot be listed, or an entry that is a dangling or looping link, is an
    InputError in `errors` (the run goes on and exits 2). reportag's own files are skipped:
    outputs carrying its marker, resume side files, and `reportag segment` JSONL of a report
    that is in the same folder (tagging both would count the report twice).
    """
    inputs = Inputs()
    seen: set[str] = set()  # resolved paths: rep/a.txt, ./rep/a.txt and a link to it are one file

    def add(file: Path) -> None:
        key = os.path.realpath(file)
        if key in seen:
            inputs.repeated.append(file)
        else:
            seen.add(key)
            inputs.files.append(file)

    for raw in paths:
        path = Path(raw)
        if str(raw) != STDIN and path.is_dir():
            def unreadable(exc: OSError) -> None:
                inputs.errors.append(InputError(exc.filename or path, f"cannot read the folder "
                                                f"({exc.strerror or exc.__class__.__name__})"))

            for folder, subfolders, names in os.walk(path, onerror=unreadable):
                subfolders.sort()
                found = []
                for name in sorted(names):
                    file = Path(folder) / name
                    suffix = file.suffix.lower()
                    if _side_file(name):
                        inputs.skipped["reportag outputs"] += 1
                    elif suffix not in INPUT_SUFFIXES:
                        inputs.skipped[f"not reports ({suffix or 'no extension'})"] += 1
                    elif problem := _not_a_file(file):  # checked before opening: a FIFO would block the walk
                        inputs.errors.append(InputError(file, problem))
                    elif is_reportag_output(file):
                        inputs.skipped["reportag outputs"] += 1
                    else:
                        found.append(file)
                for file in found:
                    if file.suffix.lower() == JSONL_SUFFIX and _segments_of_a_neighbour(file, found):
                        inputs.skipped["reportag outputs"] += 1
                    else:
                        add(file)
        elif str(raw) == STDIN:
            inputs.files.append(Path(STDIN))
        else:
            add(path)
    return inputs


def repeated_line(repeated: list) -> str | None:
    """The one warning for files given more than once (each read once), or None."""
    first: dict[str, Path] = {}
    for path in repeated:  # a folder given twice repeats each file once: count files, not mentions
        first.setdefault(os.path.realpath(path), path)
    files = list(first.values())
    if not files:
        return None
    if len(files) == 1:
        return f"warning: {files[0]}: given more than once: read once"
    names = ", ".join(str(p) for p in files[:2]) + (", …" if len(files) > 2 else "")
    return f"warning: {len(files)} files given more than once ({names}): each read once"


def _not_a_file(file: Path) -> str | None:
    """Why an entry of a folder is no file to read (a FIFO, a device, a dangling link), or None; never opens it."""
    try:
        mode = os.stat(file).st_mode
    except OSError as exc:
        return "a link to nothing (dangling or looping)" if os.path.islink(file) else \
            f"cannot read ({exc.strerror or exc.__class__.__name__})"
    return None if stat.S_ISREG(mode) else not_regular(mode)


def _side_file(name: str) -> bool:
    """A resumable output's side files (infer.engines.resume): `<file>.partial`, `.<file>.index`, `.<file>.lock`."""
    return name.endswith(".partial") or (name.startswith(".") and name.endswith((".index", ".lock")))


def _segments_of_a_neighbour(file: Path, found: list[Path]) -> bool:
    """Whether a JSONL file is `reportag segment` output of a report in the same folder."""
    try:
        with open(file, "rb") as handle:
            first = json.loads(handle.readline(limits.MAX_JSON_LINE_CHARS).decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(first, dict) or set(first) != set(UNIT_FIELDS) or not isinstance(first.get("report"), str):
        return False
    names = {other.name for other in found if other != file}
    return Path(first["report"]).name in names


def is_reportag_output(path: Path) -> bool:
    """Whether a file in a folder was written by reportag (its marker in the first bytes)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "ignore")
    except OSError:
        return False
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return f'<meta name="generator" content="{OUTPUT_MARKER}' in head
    if suffix == JSONL_SUFFIX:
        return '"model_version"' in head.split("\n", 1)[0] and '"label"' in head.split("\n", 1)[0]
    return head.startswith(f"{OUTPUT_MARKER} tag ")


def read_documents(path: Path) -> list[Document]:
    """The documents of one input file (a report is one; a JSONL file may hold several)."""
    if str(path) != STDIN and not path.suffix and not os.path.lexists(path):  # not "unsupported type ''"
        raise InputError(path, "no such file or folder")
    if str(path) != STDIN and path.suffix.lower() not in INPUT_SUFFIXES:
        raise InputError(path, f"unsupported file type {path.suffix.lower() or '(no extension)'!r}; expected one of "
                         + ", ".join(sorted(INPUT_SUFFIXES)))
    data, name = read_source(path)
    suffix = ".txt" if name == STDIN_NAME else path.suffix.lower()
    if suffix == JSONL_SUFFIX or (name == STDIN_NAME and looks_like_jsonl(data)):
        return jsonl_documents(data, name)
    text, notes = read_text(data, name, suffix, path)
    return [Document(name, [{"report": name, **unit.to_dict()} for unit in segment(text)], digest(data),
                     notes=tuple(notes))]


def iter_documents(paths: Iterable[str | Path], errors: list[InputError], inputs: Inputs | None = None
                   ) -> Iterator[Document]:
    """Documents of every input in order; a file that fails adds its InputError to `errors`."""
    inputs = inputs or expand(paths)
    errors.extend(inputs.errors)
    for path in inputs.files:
        try:
            documents = read_documents(path)
        except InputError as error:
            errors.append(error)
            continue
        yield from documents


def collect_rows(paths: Iterable[str | Path]) -> tuple[list[dict], list[InputError]]:
    """Every row of every input, and one InputError per file that could not be read."""
    errors: list[InputError] = []
    rows = [row for document in iter_documents(paths, errors) for row in document.rows]
    return rows, errors
