"""The report body of a saved web page, one paragraph or table row a line, without the site around it."""

from __future__ import annotations

import re
from pathlib import Path

from infer import limits
from infer.errors import InputError
from infer.read.lines import join_soft_breaks
from infer.read.loss import count, loss_note

_BLANK_RUNS = re.compile(r"\n[ \t\u3000\xa0]*(?:\n[ \t\u3000\xa0]*)+")
_SPACES = re.compile(r"[ \t\xa0\u3000]{2,}")
# A line break in the page's source is a space for the browser; between Chinese characters, nothing.
_SOURCE_BREAK = re.compile(r"[ \t\r]*\n[ \t\r\n]*")
SOFT = "\u2028"  # a <br>: a line break that may fall inside a sentence
# Block elements whose end is a paragraph break when a page is flattened to text.
_BLOCKS = frozenset(("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
                     "table", "dd", "dt", "blockquote", "pre", "ul", "ol"))
_CELLS = frozenset(("td", "th"))
# Parts of a saved government page that are never the report body.
_HIDDEN_TAGS = frozenset(("script", "style", "noscript", "iframe", "select", "button", "template", "svg", "title"))
# Chrome by tag, unless it holds the article (ASP.NET pages wrap the whole page in one <form>).
_CHROME_TAGS = frozenset(("nav", "header", "footer", "aside", "form"))
_CHROME_CLASS = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|position|location|share|sidebar|links?$|friend|qrcode|ewm|print|toolbar|search|copyright|banner",
    re.I,
)
# An element named like chrome that holds this share of the page's text is the article's container
# (id="printContent", class="article-header-wrap"), not chrome.
_CHROME_MAX_SHARE = 0.3
LAYOUT_CELL_CHARS = 150
_BODY_TAGS = frozenset(("div", "article", "section", "td", "main"))
_TITLE_WORDS = re.compile(r"报告|总结")
_SITE_SUFFIX = re.compile(r"\s*[_|｜\-—–]+\s*[^_|｜\-—–]*(?:网|网站|政府|门户|平台|首页)\s*$")


def html_to_text(html: str, source: str | Path = "page", notes: list[str] | None = None) -> str:
    """The report body of a saved page: its title, then its text, one paragraph or table row a line.

    One pass over the parsed page marks the site's chrome (navigation, share bars, footers),
    one pass weighs each element's text outside links, and the body is the smallest
    container holding most of the page's text; its text is then read in one pass. The
    page's title (its <h1>, else its <title> without the site's name) leads when the body
    does not hold it. Text outside the body that is neither chrome, links nor page
    furniture is counted as not read, and a note goes to `notes` when it is over LOST_SHARE.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    if html.count("<") > limits.MAX_HTML_ELEMENTS * 2:
        raise InputError(source, f"more than {limits.MAX_HTML_ELEMENTS:,} elements: not a saved report page")
    soup = BeautifulSoup(html, "html.parser")
    nodes = list(soup.descendants)
    skipped_strings = (Comment, Declaration, Doctype, ProcessingInstruction)
    depth: dict[int, int] = {id(soup): 0}
    hidden: set[int] = set()  # chrome by tag: never text
    named: list = []  # chrome by name, unless it turns out to hold the article
    for node in nodes:
        parent = node.parent
        if isinstance(node, Tag):
            level = depth[id(parent)] + 1
            if level > limits.MAX_HTML_DEPTH:
                raise InputError(source, f"elements nested more than {limits.MAX_HTML_DEPTH:,} deep: not a saved "
                                 "report page")
            depth[id(node)] = level
            if id(parent) in hidden or node.name in _HIDDEN_TAGS:
                hidden.add(id(node))
                continue
            names = " ".join(node.get("class") or []) + " " + str(node.get("id") or "")
            if node.name in _CHROME_TAGS or (node.name not in ("html", "body") and names.strip()
                                             and _CHROME_CLASS.search(names)):
                named.append(node)
    raw = _weights(nodes, hidden, skipped_strings)
    root = soup.body or soup
    total_raw = raw.get(id(root), 0)
    excluded = set(hidden)
    for node in named:
        if raw.get(id(node), 0) <= _CHROME_MAX_SHARE * total_raw:
            excluded.add(id(node))
    for node in nodes:  # everything inside an excluded element
        if isinstance(node, Tag) and id(node.parent) in excluded:
            excluded.add(id(node))
    weight = _weights(nodes, excluded, skipped_strings)
    total = weight.get(id(root), 0)
    body, body_weight = root, total
    for node in nodes:
        if isinstance(node, Tag) and node.name in _BODY_TAGS and id(node) not in excluded:
            w = weight.get(id(node), 0)
            if 0.6 * total <= w <= body_weight:
                body, body_weight = node, w
    text = _flatten(body, excluded, depth, skipped_strings, weight)
    title = _page_title(soup, body, excluded)
    if title and title not in text[:len(title) + 200]:
        text = title + "\n" + text
    if notes is not None:
        note = _outside_body(nodes, body, excluded, skipped_strings, text, title)
        if note:
            notes.append(note)
    return text


def _outside_body(nodes, body, excluded: set[int], skipped_strings, text: str, title: str) -> str | None:
    """A note on the text of the page outside the chosen body that is not chrome, links or furniture."""
    from bs4 import NavigableString

    from infer.segment import is_meta

    inside = {id(node) for node in body.descendants}
    in_link: set[int] = set()  # elements inside a link, found in one pass in document order
    lost, first = 0, ""
    for node in nodes:
        parent = node.parent
        if not isinstance(node, NavigableString):
            if node.name == "a" or id(parent) in in_link:
                in_link.add(id(node))
            continue
        if isinstance(node, skipped_strings) or id(node) in inside or parent is None or id(parent) in excluded \
                or id(parent) in in_link:
            continue
        piece = " ".join(str(node).split())
        if not piece or is_meta(piece) or piece == title or len(piece) < 4:
            continue
        lost += count(piece)
        first = first or piece
    return loss_note(count(text), lost, "text of the page outside the part read as the report", first)


def _weights(nodes, excluded: set[int], skipped_strings) -> dict[int, int]:
    """Characters of text outside links under each element, children before parents (reverse document order)."""
    from bs4 import NavigableString

    weight: dict[int, int] = {}
    for node in reversed(nodes):
        parent = node.parent
        if id(node) in excluded or parent is None:
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, skipped_strings) or id(parent) in excluded:
                continue
            own = len(node.strip())
        else:
            own = weight.get(id(node), 0) if node.name != "a" else 0  # link text is not body text
        weight[id(parent)] = weight.get(id(parent), 0) + own
    return weight


def _page_title(soup, body, excluded: set[int]) -> str:
    """The report's title outside the body: an <h1>/<h2> or an element named *title* that reads as a
    report's title (a year, 报告/总结), else the page's <title> without the site's name; "" when none."""
    from bs4 import Tag

    inside = {id(node) for node in body.descendants}
    for node in soup.find_all(True):
        if not isinstance(node, Tag) or id(node) in excluded or id(node) in inside or node is body:
            continue
        names = " ".join(node.get("class") or []) + " " + str(node.get("id") or "")
        if node.name in ("h1", "h2") or re.search(r"title|biaoti|bt$", names, re.I):
            text = " ".join(node.get_text(" ").split())
            if 6 <= len(text) <= 80 and _TITLE_WORDS.search(text) and re.search(r"(?:19|20)\d{2}|[〇零]", text):
                return text
    if soup.title and soup.title.string:
        text = _SITE_SUFFIX.sub("", " ".join(soup.title.string.split()))
        return text if re.search(r"(?:19|20)\d{2}", text) and _TITLE_WORDS.search(text) else ""
    return ""


def _unwrap(match: re.Match) -> str:
    text, start, end = match.string, match.start(), match.end()
    if 0 < start and end < len(text) and not text[start - 1].isascii() and not text[end].isascii():
        return ""
    return " "


def _flatten(body, excluded: set[int], depth: dict[int, int], skipped_strings, weight: dict[int, int]) -> str:
    """The text of `body`: a line break after each block element, a space between table cells, in one pass.

    A cell holding more than LAYOUT_CELL_CHARS of text is page layout (a site built of
    tables), not data: its paragraphs keep their line breaks.
    """
    from bs4 import NavigableString, Tag

    pieces: list[str] = []
    open_blocks: list[int] = []  # depths of the block elements we are inside
    open_cells: list[int] = []  # depths of the table cells we are inside: their blocks are apart by a space

    def close_to(level: int) -> None:
        while open_blocks and open_blocks[-1] >= level:
            depth_closed = open_blocks.pop()
            pieces.append(" " if open_cells and open_cells[-1] < depth_closed else "\n")
        while open_cells and open_cells[-1] >= level:
            open_cells.pop()

    for node in body.descendants:
        if isinstance(node, Tag):
            if id(node) in excluded:
                continue
            close_to(depth[id(node)])
            if node.name == "br":  # in a table cell, a space: 156<br>178 are two figures
                pieces.append(" " if open_cells else SOFT)
            elif node.name in _CELLS:
                pieces.append(" ")
                if weight.get(id(node), 0) <= LAYOUT_CELL_CHARS:
                    open_cells.append(depth[id(node)])
                else:
                    open_blocks.append(depth[id(node)])
            elif node.name in _BLOCKS:
                open_blocks.append(depth[id(node)])
        elif isinstance(node, NavigableString) and not isinstance(node, skipped_strings):
            if id(node.parent) in excluded:
                continue
            close_to(depth[id(node.parent)] + 1)
            pieces.append(_SOURCE_BREAK.sub(_unwrap, str(node)) if node.parent.name != "pre" else str(node))
    text = "".join(pieces)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = join_soft_breaks(text, SOFT)
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
