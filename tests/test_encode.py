"""The one encode: every unit scored once, windows within their budget, scores independent of batching."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer

from conftest import SEEDS
from infer.model.encode import InputSettings, TokenizerWrapper, encode_document, text_of
from infer.frame import frame_rows
from infer.model.scorer import Scorer
from infer.read import read_report
from infer.segment import segment
from infer.tag import is_structure

@pytest.fixture(scope="module")
def vocabulary():
    from train.model.base_model import ensure_m3e_small

    return TokenizerWrapper(Tokenizer.from_file(str(ensure_m3e_small(quiet=True) / "tokenizer.json")))


def units_of(path):
    rows = [u.to_dict() for u in segment(read_report(path))]
    frame = frame_rows(rows)
    return [r for r in rows if not is_structure(r)], frame


@pytest.mark.parametrize("settings", [InputSettings(), InputSettings.pair(), InputSettings(core=3, margin=2),
                                      InputSettings(frame=False)], ids=["window", "pair", "small", "noframe"])
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_every_unit_is_scored_exactly_once_within_the_budget(vocabulary, settings, path):
    rows, frame = units_of(path)
    sequences = encode_document(vocabulary, rows, settings, frame)
    scored = [u for s in sequences for u in s.units]
    assert sorted(scored) == list(range(len(rows)))
    for sequence in sequences:
        assert len(sequence.input_ids) <= settings.max_length
        assert sequence.input_ids[0] == vocabulary.cls and sequence.input_ids[-1] == vocabulary.sep
        assert len(sequence.units) <= settings.core
        for (start, end), unit in zip(sequence.spans, sequence.units):
            assert sequence.input_ids[end - 1] == vocabulary.sep and all(t == 1 for t in sequence.token_type_ids[start:end])
            text_ids = vocabulary.ids([text_of(rows[unit], frame if settings.frame else None)])[0]
            assert sequence.input_ids[start:end - 1] == text_ids[:end - 1 - start]
        # a window never mixes two parts of the report
        assert len({rows[u]["heading"].split(" > ")[0] for u in sequence.units}) == 1


def test_windows_give_context_on_both_sides(vocabulary):
    rows, frame = units_of(SEEDS[2])
    sequences = encode_document(vocabulary, rows, InputSettings(core=4, margin=1), frame)
    middle = [s for s in sequences if s.units[0] > 0 and s.units[-1] < len(rows) - 1]
    assert middle and all(s.spans[0][0] > len(vocabulary.ids([""])[0]) + 2 for s in middle)


def test_the_frame_puts_the_part_and_relative_years_in_the_input(vocabulary):
    rows, frame = units_of(SEEDS[1])
    text = vocabulary.tokenizer.decode(encode_document(vocabulary, rows, InputSettings(), frame)[-1].input_ids)
    assert "下 年" in text.replace("##", "") or "下年" in text
    assert "2024" not in text


class RecordingRunner:
    """Token logits from the token ids alone (a fixed random projection), recording the batches it saw."""

    def __init__(self):
        import numpy as np

        self.table = np.random.default_rng(0).normal(size=(30000, 5))
        self.batches = []

    def __call__(self, sequences):
        self.batches.append(len(sequences))
        return [self.table[s.input_ids] for s in sequences]


def test_scores_do_not_depend_on_other_documents(vocabulary):
    runner = RecordingRunner()
    scorer = Scorer(vocabulary, InputSettings(), 1.3, "test", runner)
    first, frame1 = units_of(SEEDS[0])
    second, frame2 = units_of(SEEDS[1])
    alone = scorer.score(first, frame1)
    first_batches = list(runner.batches)
    scorer.score(second, frame2)
    second_batches = runner.batches[len(first_batches):]
    after = scorer.score(first, frame1)
    assert alone == after
    # every sequence of a document reaches the runner once, in batches that hold only that document's sequences
    assert sum(first_batches) == len(encode_document(vocabulary, first, InputSettings(), frame1))
    assert sum(second_batches) == len(encode_document(vocabulary, second, InputSettings(), frame2))
    assert runner.batches[len(first_batches) + len(second_batches):] == first_batches
    assert all(size > 0 for size in runner.batches)
    for p in alone:
        assert abs(sum(p) - 1) < 1e-9 and all(0 <= x <= 1 for x in p)


def test_the_torch_pooling_is_the_scorers_pooling(vocabulary):
    """Training pools token logits in torch (train.model.pooling.pool, padded batches); tagging in numpy
    (Scorer.unit_logits, one sequence at a time). On a real report both give each unit the same logits."""
    import numpy as np
    import torch

    from train.model.pooling import collate, pool, sequence_features

    rows, frame = units_of(SEEDS[2])
    settings = InputSettings()
    runner = RecordingRunner()
    tagged = Scorer(vocabulary, settings, 1.0, "test", runner).unit_logits(rows, frame)
    sequences = encode_document(vocabulary, rows, settings, frame)
    batch = collate([sequence_features(s, None) for s in sequences], pad_id=vocabulary.pad)
    token_logits = torch.tensor(runner.table, dtype=torch.float64)[batch["input_ids"]]
    units = max(len(s.units) for s in sequences)
    trained = pool(token_logits, batch["unit_index"], units).numpy()
    assert len(sequences) > 1 and units > 1
    for row, sequence in enumerate(sequences):
        for k, unit in enumerate(sequence.units):
            np.testing.assert_allclose(trained[row, k], tagged[unit], rtol=0, atol=1e-9)
