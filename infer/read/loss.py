"""Nothing lost in silence: how much of a source's text did not reach the report's text, as a one-line note."""

from __future__ import annotations

LOST_SHARE = 0.02  # more than this share of the source's characters not read: a warning


def loss_note(read: int, lost: int, what: str, example: str = "") -> str | None:
    """A note when `lost` of `read + lost` characters (spaces not counted) is over LOST_SHARE, else None.

    `what` says where the lost text was (e.g. "outside the page's article"); `example`, the
    start of the first piece of it.
    """
    total = read + lost
    if total <= 0 or lost <= LOST_SHARE * total:
        return None
    sample = " ".join(example.split())[:30]
    return (f"{lost:,} of {total:,} characters ({lost / total:.0%}) were not read: {what}"
            + (f", e.g. {sample!r}" if sample else ""))


def count(text: str) -> int:
    """Characters that are not space."""
    return sum(1 for char in text if not char.isspace())
