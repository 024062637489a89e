"""Hand-built .docx files: WordprocessingML parts written out, so each test says exactly what Word stores."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*content: str, num: tuple[int, int] | None = None, style: str | None = None) -> str:
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if num:
        props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    body = "".join(c if c.startswith("<") else run(c) for c in content)
    return f"<w:p>{'<w:pPr>' + props + '</w:pPr>' if props else ''}{body}</w:p>"


def level(ilvl: int, fmt: str, text: str, start: int = 1, restart: int | None = None) -> str:
    extra = f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
            f'<w:lvlText w:val="{text}"/></w:lvl>')


def numbering(abstracts: dict[int, list[str]], nums: dict[int, tuple[int, str]]) -> str:
    """abstractNumId → levels; numId → (abstractNumId, extra XML inside w:num such as lvlOverride)."""
    parts = [f'<w:abstractNum w:abstractNumId="{a}">{"".join(levels)}</w:abstractNum>' for a, levels in abstracts.items()]
    parts += [f'<w:num w:numId="{n}"><w:abstractNumId w:val="{a}"/>{extra}</w:num>' for n, (a, extra) in nums.items()]
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {NS}>{"".join(parts)}</w:numbering>'


def styles(*entries: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {NS}>{"".join(entries)}</w:styles>'


def write_docx(path: Path, body: str, numbering_xml: str | None = None, styles_xml: str | None = None,
               header: str | None = None) -> Path:
    """A minimal valid .docx holding `body` (the XML inside w:body) and the given parts."""
    rels, types = [], []
    parts = {}
    if numbering_xml:
        parts["word/numbering.xml"] = numbering_xml
        rels.append(f'<Relationship Id="rIdN" Type="{_REL}/numbering" Target="numbering.xml"/>')
        types.append('<Override PartName="/word/numbering.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>')
    if styles_xml:
        parts["word/styles.xml"] = styles_xml
        rels.append(f'<Relationship Id="rIdS" Type="{_REL}/styles" Target="styles.xml"/>')
        types.append('<Override PartName="/word/styles.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>')
    section = ""
    if header:
        parts["word/header1.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {NS}>{para(header)}</w:hdr>'
        rels.append(f'<Relationship Id="rIdH" Type="{_REL}/header" Target="header1.xml"/>')
        types.append('<Override PartName="/word/header1.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>')
        section = '<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/></w:sectPr>'
    parts["word/document.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}>'
                                  f"<w:body>{body}{section}</w:body></w:document>")
    parts["word/_rels/document.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships">{"".join(rels)}</Relationships>')
    parts["_rels/.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
        "</Relationships>")
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        f'{"".join(types)}</Types>')
    with zipfile.ZipFile(path, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return path
