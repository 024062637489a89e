"""Text to model input: the one place where a report's units become token sequences.

Training, evaluation, the ONNX export and tagging all call `encode_document`, so the
model always reads the same thing. A document's taggable units are grouped by the part
they lie in; each group is cut into windows of consecutive units, one sequence each
(Cohan et al., 2019, sequential sentence classification):

    [CLS] context [SEP] s1 [SEP] s2 [SEP] … sk [SEP]

The context is the part the window lies in (its prescribed name when the frame is on,
see infer.frame) and its headings (the top one and the innermost one), encoded once per
window rather than once per sentence. Each sentence is scored from the mean of the
token logits over its own tokens and its [SEP]: its own words weigh most, and attention
lets it read its neighbours. Windows hold up to `core` scored units and, around them,
up to `margin` units on each side that are read but scored in the windows where they
are core, so every unit is scored with context on both sides. With core=1 and margin=0
this is the pair model: (context, sentence), one sequence per unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Sequence as Seq

from infer.frame import PART_WORDS, PREAMBLE, Frame, relative_years
from infer.limits import MODEL_UNIT_CHARS
from infer.segment import join_chain, split_chain

_HEADING_CHARS = 32  # each heading kept in the context is cut to this many characters
CHUNK_UNITS = 512  # units of one part encoded (and held in memory) at a time


@dataclass(frozen=True)
class InputSettings:
    """What the model reads; saved with the model (config.json, "reportag") and read back by tagging."""

    design: str = "window"  # "window": consecutive units in one sequence; "pair": (context, unit) per unit
    frame: bool = True  # years relative to the reviewed year, and the part's prescribed name in the context
    max_length: int = 256  # tokens per sequence
    context_tokens: int = 40
    unit_tokens: int = 96  # tokens of one unit at most (cut after MODEL_UNIT_CHARS characters first)
    core: int = 6  # units scored per window
    margin: int = 1  # units read on each side of the core

    @classmethod
    def pair(cls, frame: bool = True) -> "InputSettings":
        return cls(design="pair", frame=frame, max_length=128, context_tokens=32, core=1, margin=0)

    @classmethod
    def from_dict(cls, settings: dict) -> "InputSettings":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in settings.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TokenSequence:
    """One model input, and where in it each scored unit lies."""

    input_ids: list[int]
    token_type_ids: list[int]
    spans: list[tuple[int, int]] = field(default_factory=list)  # token [start, end) of each scored unit
    units: list[int] = field(default_factory=list)  # the position of each scored unit in the document's list


def context_of(row: dict, frame: Frame | None) -> str:
    """The section context of one unit: its part (with the frame), its top and innermost headings."""
    chain = split_chain(row.get("heading"))
    if len(chain) > 2:
        chain = [chain[0], chain[-1]]
    if frame is not None:
        chain = [relative_years(h, frame.year, frame.kind) for h in chain]
    context = join_chain(h[:_HEADING_CHARS] for h in chain)
    if frame is not None:
        words = PART_WORDS.get(row.get("part") or PREAMBLE, PART_WORDS[PREAMBLE])
        context = f"{words}：{context}" if context else words
    return context


def text_of(row: dict, frame: Frame | None) -> str:
    """The unit's text as the model reads it: cut to MODEL_UNIT_CHARS, years relative with the frame."""
    text = row["text"][:MODEL_UNIT_CHARS]
    return relative_years(text, frame.year, frame.kind) if frame is not None else text


class TokenizerWrapper:
    """A wrapped `tokenizers.Tokenizer`: its special token ids ([CLS], [SEP], [PAD]) and tokenisation without them."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.cls = tokenizer.token_to_id("[CLS]")
        self.sep = tokenizer.token_to_id("[SEP]")
        self.pad = tokenizer.token_to_id("[PAD]") or 0
        if self.cls is None or self.sep is None:
            raise ValueError("the tokenizer has no [CLS]/[SEP] tokens (a BERT-style vocabulary is needed)")

    def ids(self, texts: Seq[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def _groups(rows: Seq[dict]) -> list[list[int]]:
    """Positions of consecutive units that share their top heading (one part of the report).

    A part longer than CHUNK_UNITS is cut into chunks, so that memory stays bounded on any
    document (a real part holds a few hundred units at most).
    """
    groups: list[list[int]] = []
    previous = object()
    for i, row in enumerate(rows):
        chain = split_chain(row.get("heading"))
        top = chain[0] if chain else ""
        if top != previous or len(groups[-1]) >= CHUNK_UNITS:
            groups.append([])
            previous = top
        groups[-1].append(i)
    return groups


def iter_encoded(vocabulary: TokenizerWrapper, rows: Seq[dict], settings: InputSettings, frame: Frame,
                 rng=None) -> Iterator[list[TokenSequence]]:
    """Token sequences for the taggable units of one document, one list per part (or chunk of one).

    Rows are given in reading order with their `part`. Every unit is scored in exactly one
    sequence; the `units` of a sequence are positions in `rows`. The result depends only on
    the rows, the document's frame and the settings, never on how documents are batched.
    `rng` varies the window sizes (training only; see `_windows`).
    """
    seen = frame if settings.frame else None
    longest = min(settings.unit_tokens, settings.max_length - 3 - settings.context_tokens)  # one unit always fits
    for group in _groups(rows):
        contexts = dict(zip(group, vocabulary.ids([context_of(rows[p], seen) for p in group])))
        units = dict(zip(group, (ids[:longest] for ids in vocabulary.ids([text_of(rows[p], seen) for p in group]))))
        yield [_assemble(vocabulary, contexts[window[0]][:settings.context_tokens], window, core, units)
               for window, core in _windows(group, units, settings, rng)]


def encode_document(vocabulary: TokenizerWrapper, rows: Seq[dict], settings: InputSettings,
                    frame: Frame, rng=None) -> list[TokenSequence]:
    """Every token sequence of one document (see `iter_encoded`)."""
    return [sequence for part in iter_encoded(vocabulary, rows, settings, frame, rng) for sequence in part]


def _windows(group: list[int], units: dict[int, list[int]], settings: InputSettings, rng=None):
    """(window, core) position lists covering the group; each position is core exactly once.

    With `rng` (training only), each window's core and margin are drawn at random up to the
    settings' sizes, so the model also learns to judge a unit with little or no context.
    """
    def cost(positions) -> int:
        return sum(len(units[p]) + 1 for p in positions)

    budget = settings.max_length - 2 - settings.context_tokens
    i = 0
    while i < len(group):
        size = rng.randint(1, settings.core) if rng else settings.core
        margin = rng.randint(0, settings.margin) if rng else settings.margin
        left = group[max(0, i - margin):i]
        core = [group[i]]
        j = i + 1
        while j < len(group) and len(core) < size:
            right = group[j + 1:j + 1 + margin]
            if cost(left) + cost(core) + len(units[group[j]]) + 1 + cost(right) > budget:
                break
            core.append(group[j])
            j += 1
        right = group[j:j + margin]
        while right and cost(left) + cost(core) + cost(right) > budget:
            right = right[:-1]
        while left and cost(left) + cost(core) + cost(right) > budget:
            left = left[1:]
        yield [*left, *core, *right], core
        i = j


def _assemble(vocabulary: TokenizerWrapper, context: list[int], window: list[int], core: list[int],
              units: dict[int, list[int]]) -> TokenSequence:
    ids = [vocabulary.cls, *context, vocabulary.sep]
    types = [0] * len(ids)
    sequence = TokenSequence(ids, types)
    scored = set(core)
    for position in window:
        start = len(ids)
        ids.extend(units[position])
        ids.append(vocabulary.sep)
        types.extend([1] * (len(ids) - start))
        if position in scored:
            sequence.spans.append((start, len(ids)))
            sequence.units.append(position)
    return sequence
