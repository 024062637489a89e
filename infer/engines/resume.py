"""Resumable JSONL and CSV files: only whole reports count, and a resume must match the run it continues.

Rows go to `<file>.partial` (beside the file, or beside a symlink's target). After a
report's rows are written and flushed, one line is appended to the side index
`.<file>.index`: the report's name, the hash of its bytes and the byte offsets of its rows.
The index's first line records what makes the rows: the model version and the options
(--labels, --min-score, --review-below, --skip-structure). So:
- a run killed in the middle of a report leaves rows past the last indexed offset; a
  resume cuts them off (truncating in place) and tags that report again;
- finishing renames `.partial` to the file, no copy; a resume of a finished file renames
  it back while it runs;
- a resume whose model or options differ is refused with one line naming the difference;
- a report whose bytes changed is tagged again, and its old rows are removed when the run
  finishes by moving the later bytes down in place (no second copy);
- `.<file>.lock` keeps a second writer out (infer.files.OutputLock).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from infer.errors import InputError, write_error
from infer.files import OutputLock, atomic_write_text

INDEX_VERSION = 1
ROW_OPTIONS = ("labels", "min_score", "review_below", "skip_structure")  # the options that change rows


def run_settings(model_version: str, options) -> dict:
    """What makes a run's rows: the model version and the row-changing options of `options` (TagOptions)."""
    return {"model_version": model_version, "labels": sorted(options.labels or ()),
            "min_score": options.min_score, "review_below": options.review_below,
            "skip_structure": bool(options.skip_structure)}


def settings_difference(old: dict, new: dict) -> str | None:
    """'model X, this run Y' for the first setting that differs, or None."""
    for key in ("model_version", *ROW_OPTIONS):
        if old.get(key) != new.get(key):
            name = "the model" if key == "model_version" else f"--{key.replace('_', '-')}"
            show = lambda value: "none" if value in (None, [], False) else ",".join(value) if isinstance(
                value, list) else "on" if value is True else str(value)
            return f"it was tagged with {name} {show(old.get(key))}, this run has {show(new.get(key))}"
    return None


def refuse_other_settings(output, old: dict, new: dict) -> None:
    """InputError when a resume would mix rows made another way."""
    difference = settings_difference(old, new)
    if difference:
        raise InputError(output, f"cannot --resume: {difference} (rerun without --resume to tag it again, "
                         "or choose another output)")


class StreamFile:
    """JSONL or CSV rows appended report by report to `<file>.partial`, renamed when the run ends."""

    def __init__(self, path: Path, format: str, resume: bool, run: dict):
        self.path, self.format, self.run = Path(path), format, run
        target = Path(os.path.realpath(path))
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        self.index_path = target.with_name(f".{target.name}.index")
        self.entries: dict[str, tuple[str, int, int]] = {}  # report -> (hash, start, end) of its rows
        self.stale: list[tuple[int, int]] = []  # rows of reports whose bytes changed, removed at the end
        self.fields: list[str] | None = None
        self.end = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(self.path, exc) from None
        self.lock = OutputLock(target.with_name(f".{target.name}.lock"), path)
        self.lock.__enter__()
        try:
            if resume and (self.partial.exists() or target.exists()):
                self._take_over()
            else:
                self._start()
            self.handle = open(self.partial, "ab")
            self.index = open(self.index_path, "ab")
        except OSError as exc:
            self.lock.release()
            raise write_error(self.path, exc) from None
        except BaseException:
            self.lock.release()
            raise

    def _start(self) -> None:
        with open(self.partial, "wb"):
            pass
        header = {"reportag_index": INDEX_VERSION, "format": self.format, **self.run}
        atomic_write_text(self.index_path, json.dumps(header, ensure_ascii=False) + "\n")

    def _take_over(self) -> None:
        """Continue from the whole reports an earlier run indexed; refuse one made another way."""
        finished = not self.partial.exists()
        source = self.target if finished else self.partial
        try:
            index = self.index_path.read_bytes()
        except FileNotFoundError:
            raise InputError(self.path, f"cannot --resume: its index {self.index_path.name} is missing (written "
                             "by an older reportag?): rerun without --resume") from None
        lines = index.split(b"\n")[:-1]  # a line cut by a kill has no newline: it never counted
        try:
            header = json.loads(lines[0])
            assert header.get("reportag_index") == INDEX_VERSION
        except Exception:
            raise InputError(self.index_path, "is not a reportag resume index: rerun without --resume") from None
        if header.get("format") != self.format:
            raise InputError(self.path, f"cannot --resume: it was written as {header.get('format')}, not "
                             f"{self.format}")
        refuse_other_settings(self.path, header, self.run)
        size = source.stat().st_size
        for line in lines[1:]:
            entry = json.loads(line)
            if entry.get("compacting"):
                raise InputError(self.path, "cannot --resume: a run was stopped while removing the rows of "
                                 "changed reports; rerun without --resume")
            if not self.end <= entry["start"] <= entry["end"] <= size:
                raise InputError(self.path, "cannot --resume: it no longer matches its index (changed since "
                                 "reportag wrote it); rerun without --resume")
            if entry["report"] in self.entries:  # tagged again after its bytes changed: the old rows go
                _, start, end = self.entries[entry["report"]]
                self.stale.append((start, end))
            self.entries[entry["report"]] = (entry["hash"], entry["start"], entry["end"])
            self.end = max(self.end, entry["start"], entry["end"])
        if finished and size != self.end and not (self.end == 0 and self._header_only(source, size)):
            raise InputError(self.path, "cannot --resume: it was changed since reportag wrote it; rerun without "
                             "--resume")
        if finished:
            os.replace(self.target, self.partial)  # the output lives as .partial again while this run adds to it
        with open(self.partial, "r+b") as handle:
            handle.truncate(self.end)  # rows of a report cut by a kill
            if self.format == "csv" and self.end:
                import csv

                self.fields = next(csv.reader([handle.readline().decode("utf-8-sig").strip("\r\n")]), None)
        with open(self.index_path, "r+b") as handle:
            handle.truncate(sum(len(line) + 1 for line in lines))

    def _header_only(self, source: Path, size: int) -> bool:
        """Whether a finished CSV is just the header close() writes when no report kept a row (cut on resume)."""
        if self.format != "csv" or size > 1 << 16:
            return False
        data = source.read_bytes()
        return data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == 1 and data.endswith(b"\r\n")

    def is_done(self, report: str, digest: str) -> bool:
        """Whether this report (same name, same bytes) is already in the output; a changed one's rows go."""
        entry = self.entries.get(report)
        if entry is None:
            return False
        if entry[0] == digest:
            return True
        self.stale.append(entry[1:])
        del self.entries[report]
        return False

    @property
    def done(self) -> int:
        return len(self.entries)

    def write(self, rows: list[dict], report: str = "", digest: str = "") -> None:
        """Append one report's rows, then its index line: only then does the report count as written."""
        from infer.outputs.write import csv_fields, flat, to_csv, to_jsonl

        start = self.end
        if self.format == "jsonl":
            chunk = to_jsonl(rows).encode("utf-8")
        elif not rows:
            chunk = b""
        else:
            if self.fields is None:
                self.fields = csv_fields(rows)
                self._append(("\ufeff" + to_csv([], self.fields)).encode("utf-8"), start)
                start = self.end
            chunk = to_csv([flat(row) for row in rows], self.fields, header=False).encode("utf-8")
        self._append(chunk, start)
        line = json.dumps({"report": report, "hash": digest, "start": start, "end": self.end}, ensure_ascii=False)
        try:
            self.index.write(line.encode("utf-8") + b"\n")
            self.index.flush()
        except OSError as exc:
            self._cut(start)
            raise write_error(self.index_path, exc) from None
        self.entries[report] = (digest, start, self.end)

    def _append(self, chunk: bytes, start: int) -> None:
        try:
            self.handle.write(chunk)
            self.handle.flush()
        except OSError as exc:
            self._cut(start)
            raise write_error(self.path, exc) from None
        self.end = start + len(chunk)

    def _cut(self, start: int) -> None:
        """Leave only whole reports after a failed write (best effort: the index decides on resume anyway)."""
        try:
            self.handle = _reopen(self.handle, self.partial, start)
            self.end = start
            if start == 0:
                self.fields = None
        except OSError:
            pass

    def close(self) -> None:
        """Finish: drop the rows of changed reports, then rename `.partial` to the file."""
        try:
            if self.format == "csv" and self.end == 0:  # no report kept a row: the header alone, not 0 bytes
                from infer.outputs.write import csv_fields, to_csv

                self.handle.write(("\ufeff" + to_csv([], csv_fields([], self.run.get("review_below") is not None)))
                                  .encode("utf-8"))
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            self.index.close()
            if self.stale:
                self._compact()
            os.replace(self.partial, self.target)
        except OSError as exc:
            raise write_error(self.path, exc) from None
        finally:
            self.lock.release()

    def _compact(self) -> None:
        """Remove the stale ranges by moving the later bytes down, in place; then rewrite the index."""
        stale = sorted(set(self.stale))
        self.index_path.open("ab").write(b'{"compacting": true}\n')
        with open(self.partial, "r+b") as handle:
            write = stale[0][0]
            for number, (_, end) in enumerate(stale):
                stop = stale[number + 1][0] if number + 1 < len(stale) else self.end
                read = end
                while read < stop:
                    handle.seek(read)
                    chunk = handle.read(min(1 << 20, stop - read))
                    handle.seek(write)
                    handle.write(chunk)
                    write, read = write + len(chunk), read + len(chunk)
            handle.truncate(write)
            handle.flush()
            os.fsync(handle.fileno())
        removed = lambda offset: sum(end - start for start, end in stale if end <= offset)
        header = {"reportag_index": INDEX_VERSION, "format": self.format, **self.run}
        lines = [json.dumps(header, ensure_ascii=False)]
        for report, (digest, start, end) in sorted(self.entries.items(), key=lambda item: item[1][1:]):
            lines.append(json.dumps({"report": report, "hash": digest, "start": start - removed(start),
                                     "end": end - removed(end)}, ensure_ascii=False))
        atomic_write_text(self.index_path, "\n".join(lines) + "\n")
        self.end = write

    def abort(self) -> None:
        """Stop without finishing: `.partial` and its index stay for --resume."""
        for handle in (getattr(self, "handle", None), getattr(self, "index", None)):
            try:
                handle and handle.close()
            except OSError:
                pass
        self.lock.release()


def _reopen(handle, path: Path, size: int):
    try:
        handle.close()
    except OSError:
        pass
    with open(path, "r+b") as cut:
        cut.truncate(size)
    return open(path, "ab")
