"""The page's stylesheet and scripts, kept as package data beside this module (read with importlib.resources).

page.css: layout and colours; filter.js: filters, search, topics, counts and sorting of the
index; views.js: the label × part tables, the body × year comparison, the charts and the
CSV download. infer.outputs.html_view inlines them, so the page needs no network.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def asset(name: str) -> str:
    """The text of one asset file of this package (e.g. "filter.js")."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
