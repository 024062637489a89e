"""Old Word, WPS, RTF and OpenDocument files, converted to .docx by LibreOffice in headless mode.

The conversion runs in a private temporary folder with its own LibreOffice profile (so
that it neither meets a running LibreOffice nor leaves state behind) and under a time
limit; the .docx it writes is then read like any other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from infer import limits
from infer.errors import InputError

OFFICE_SUFFIXES = {".doc", ".wps", ".rtf", ".odt"}
# What each kind of file opens with: LibreOffice would import any bytes as plain text.
_SIGNATURES = {".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), ".wps": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
               ".rtf": (b"{\\rtf",), ".odt": (b"PK\x03\x04",)}
PACKAGE = "libreoffice-writer-nogui"


def soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(data: bytes, source: str | Path, suffix: str) -> bytes:
    """The bytes of `data` (a .doc/.wps/.rtf/.odt file) converted to .docx; InputError when it cannot be."""
    # Government sites often serve an RTF or an OLE Word file under another of these names: the bytes decide.
    actual = next((kind for kind, marks in _SIGNATURES.items() if data.startswith(marks)), None)
    if actual is None:
        raise InputError(source, f"not a {suffix} document (its first bytes are not those of one)")
    suffix = suffix if data.startswith(_SIGNATURES[suffix]) else actual
    program = soffice()
    if program is None:
        raise InputError(source, f"reading {suffix} files needs LibreOffice: install the Debian package {PACKAGE} "
                         f"(apt-get install {PACKAGE}) or save the file as .docx")
    with tempfile.TemporaryDirectory(prefix="reportag-office-") as folder:
        work = Path(folder)
        # .wps is Kingsoft's Word-compatible format: LibreOffice reads it by content under a .doc name as well.
        original = work / f"report{suffix}"
        original.write_bytes(data)
        profile = (work / "profile").as_uri()
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(original)]
        env = {**os.environ, "HOME": str(work)}
        try:
            done = subprocess.run(command, capture_output=True, timeout=limits.OFFICE_SECONDS, env=env,
                                  start_new_session=True)
        except subprocess.TimeoutExpired:
            raise InputError(source, f"converting the {suffix} file with LibreOffice took over "
                             f"{limits.OFFICE_SECONDS} s; refused") from None
        converted = work / "out" / "report.docx"
        if done.returncode != 0 or not converted.is_file():
            raise InputError(source, f"LibreOffice could not convert this {suffix} file (broken or not a "
                             f"{suffix} document)")
        return converted.read_bytes()
