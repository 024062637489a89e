"""The text of a .docx as Word shows it with every tracked change accepted.

The body is walked once in document order: paragraphs with their automatic numbering
rendered (infer.read.numbering), tables one line per row with cells apart and each merged
cell once, text boxes once after the paragraph that anchors them. Insertions and moves'
destinations are read, deletions and moves' sources are not; text inside smart tags,
hyperlinks, fields (their results, not their codes) and content controls is read like any
other run. Page headers and footers live in their own parts and never enter the body.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from infer import limits
from infer.errors import InputError
from infer.read.lines import join_soft_breaks
from infer.read.loss import count, loss_note
from infer.read.numbering import Numbering

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# Elements whose content is never body text: removed text, field codes, properties, VML twins of DrawingML.
_SKIP = {W + "del", W + "moveFrom", W + "instrText", W + "delInstrText", W + "pPr", W + "rPr", W + "sectPr",
         W + "tblPr", W + "trPr", W + "tcPr", _MC + "Fallback", W + "footnoteReference", W + "rt"}  # rt: ruby guide
# Elements that only wrap rows or cells (content controls, custom XML, tracked insertions).
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"}
_TEXT_BOX = W + "txbxContent"
SOFT = "\u2028"


def docx_to_text(data: bytes, source: str | Path, notes: list[str] | None = None) -> str:
    """One line per paragraph or table row; InputError for a broken or oversized file.

    Text that is not read (in drawings that are not text boxes, such as SmartArt and shapes,
    and in footnotes and endnotes) is counted, and a note goes to `notes` when it is over LOST_SHARE.
    """
    from docx import Document

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(source, f"not a valid .docx file ({exc.__class__.__name__})") from None
    if declared > limits.MAX_UNZIPPED_BYTES:
        raise InputError(source, f"unpacks to {declared:,} bytes, over the limit of {limits.MAX_UNZIPPED_BYTES:,} bytes "
                         f"({limits.MAX_UNZIPPED_BYTES // 2**20} MB) for a .docx")
    try:
        document = Document(io.BytesIO(data))
        numbering = Numbering(document.part)
        lines: list[str] = []
        _block(document.element.body, numbering, lines)
        if notes is not None:
            note = _unread(document.element.body, data, "\n".join(lines))
            if note:
                notes.append(note)
    except InputError:
        raise
    except Exception as exc:  # python-docx and lxml raise zip, XML and package errors alike
        raise InputError(source, f"not a valid .docx file ({exc.__class__.__name__})") from None
    return join_soft_breaks("\n".join(lines), SOFT)


def _block(container, numbering: Numbering, lines: list[str]) -> None:
    """Paragraphs and tables of a body, cell, text box or block-level content control, in order."""
    pending = ""  # a paragraph whose mark was deleted runs on into the next one
    for child in container:
        tag = child.tag
        if tag == W + "p":
            boxes: list[str] = []
            text = pending + _paragraph_text(child, boxes, numbering)
            if _mark_deleted(child):
                pending = text
            else:
                pending = ""
                lines.append(text)
            for box in boxes:  # text boxes anchored in this paragraph, once each
                lines.append(box)
        elif tag == W + "tbl":
            _table(child, numbering, lines)
        elif tag in (W + "sdt", W + "customXml", W + "ins", W + "moveTo", W + "smartTag"):
            content = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if tag == W + "sdt" and _placeholder(child):
                continue
            if content is not None:
                _block(content, numbering, lines)
        elif tag == _MC + "AlternateContent":
            choice = child.find(_MC + "Choice")
            if choice is not None:
                _block(choice, numbering, lines)
    if pending:
        lines.append(pending)


def _unread(body, data: bytes, text: str) -> str | None:
    """A note on the text in drawings (DrawingML a:t) and in foot- and endnotes, which the body text leaves out."""
    from lxml import etree

    drawn = [node.text or "" for node in body.iter(_A + "t")]
    lost, first, where = count("".join(drawn)), next((t for t in drawn if t.strip()), ""), []
    if lost:
        where.append("text in drawings (shapes, SmartArt, charts)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in ("word/footnotes.xml", "word/endnotes.xml"):
            if part in archive.namelist():
                root = etree.fromstring(archive.read(part), etree.XMLParser(resolve_entities=False, huge_tree=False))
                notes_text = [node.text or "" for node in root.iter(W + "t")]
                if count("".join(notes_text)):
                    lost += count("".join(notes_text))
                    first = first or next((t for t in notes_text if t.strip()), "")
                    where.append(part.split("/")[1].replace(".xml", ""))
    return loss_note(count(text), lost, " and ".join(where), first) if where else None


def _placeholder(sdt) -> bool:
    """A content control still showing its prompt ("单击或点击此处输入文字"), not text of the report."""
    props = sdt.find(W + "sdtPr")
    return props is not None and props.find(W + "showingPlcHdr") is not None


def _mark_deleted(paragraph) -> bool:
    ppr = paragraph.find(W + "pPr")
    rpr = ppr.find(W + "rPr") if ppr is not None else None
    return rpr is not None and (rpr.find(W + "del") is not None or rpr.find(W + "moveFrom") is not None)


def _paragraph_text(paragraph, boxes: list[str], numbering: Numbering) -> str:
    pieces: list[str] = [numbering.label(paragraph)]
    _runs(paragraph, pieces, boxes, numbering)
    return "".join(pieces)


def _runs(element, pieces: list[str], boxes: list[str], numbering: Numbering) -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == W + "t":
            pieces.append(child.text or "")
        elif tag == W + "tab" or tag == W + "ptab":
            pieces.append("\t")
        elif tag in (W + "br", W + "cr"):
            if child.get(W + "type") in (None, "textWrapping"):
                pieces.append(SOFT)  # a manual line break: joined when it falls inside a sentence
        elif tag == W + "noBreakHyphen":
            pieces.append("-")
        elif tag == W + "sym":
            pieces.append("")
        elif tag == _TEXT_BOX:
            inner: list[str] = []
            _block(child, numbering, inner)
            boxes.extend(line for line in inner if line.strip())
        elif tag == _MC + "AlternateContent":
            choice = child.find(_MC + "Choice")
            _runs(choice if choice is not None else child, pieces, boxes, numbering)
        elif tag == W + "sdt" and _placeholder(child):
            continue
        else:
            _runs(child, pieces, boxes, numbering)


def _children(element, tag: str):
    """Children of `element` with `tag`, looking through content controls and other wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _table(table, numbering: Numbering, lines: list[str]) -> None:
    """One line per row, cells separated by a space; a cell merged down or across is read once."""
    for row in _children(table, W + "tr"):
        row_props = row.find(W + "trPr")
        if row_props is not None and row_props.find(W + "del") is not None:
            continue  # a row deleted as a tracked change
        cells: list[str] = []
        for cell in _children(row, W + "tc"):
            props = cell.find(W + "tcPr")
            if props is not None:
                vmerge, hmerge = props.find(W + "vMerge"), props.find(W + "hMerge")
                if vmerge is not None and vmerge.get(W + "val") in (None, "continue"):
                    continue
                if hmerge is not None and hmerge.get(W + "val") in (None, "continue"):
                    continue
                if props.find(W + "cellDel") is not None:
                    continue
            inner: list[str] = []
            _block(cell, numbering, inner)
            text = " ".join(" ".join(line.split(SOFT)).strip() for line in inner if line.strip())
            if text:
                cells.append(text)
        if cells:
            lines.append(" ".join(cells))
