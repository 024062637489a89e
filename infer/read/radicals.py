"""CJK radicals and compatibility ideographs mapped to the unified ideographs they stand for.

PDF text layers (and some Word files) carry the radical forms of characters: Kangxi
Radicals (U+2F00–U+2FDF, which NFKC maps), CJK Radicals Supplement (U+2E80–U+2EFF, which
NFKC leaves alone but for two) and compatibility ideographs (NFKC maps). The supplement's
equivalents come from Unicode's own EquivalentUnifiedIdeograph.txt (infer/read/equivalent.py,
generated from it).
"""

from __future__ import annotations

import unicodedata

from infer.read.equivalent import EQUIVALENT_UNIFIED_IDEOGRAPH


def unified_ideograph(char: str) -> str:
    """The unified ideograph a radical or compatibility ideograph stands for; other characters unchanged."""
    mapped = EQUIVALENT_UNIFIED_IDEOGRAPH.get(char)
    if mapped is not None:
        return mapped
    return unicodedata.normalize("NFKC", char)
