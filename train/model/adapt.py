"""`reportag adapt`: continue masked-language-model pretraining of the base model on unlabelled reports.

The counterpart of `spacy pretrain` for this field. The reports are read and segmented
with the project's own reader (infer.inputs), their years made relative as the tagger
sees them (infer.model.encode.text_of), packed into sequences of consecutive units, and 15% of
the tokens are masked. Checkpoints are kept under <output>/.checkpoints, so a killed run
resumes; the result is a new base model folder with a card saying what it was adapted on.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from infer.model.encode import TokenizerWrapper, text_of
from infer.errors import InputError
from infer.files import atomic_write_text, swap_in
from infer.frame import frame_rows
from infer.inputs import iter_documents

from train.model.base_model import DEFAULT_BASE, LICENCE, resolve_base_model

CHECKPOINTS = ".checkpoints"


@dataclass
class AdaptConfig:
    base_model: str = DEFAULT_BASE
    epochs: float = 1.0
    max_steps: int = -1
    seed: int = 42
    max_length: int = 256
    batch_size: int = 8
    learning_rate: float = 3e-5  # the encoder's: it moves gently
    head_learning_rate: float = 5e-4  # the masked-LM head's: m3e-small ships without one, so it starts untrained
    mlm_probability: float = 0.15
    exclude: tuple[str, ...] = ()  # file name patterns left out (e.g. a document the evaluation scores)
    progress: bool = True


def corpus_sequences(vocabulary: TokenizerWrapper, folders: list[Path], max_length: int,
                     exclude: tuple[str, ...] = ()) -> tuple[list[list[int]], dict]:
    """Token sequences ([CLS] unit [SEP] unit [SEP] …) of every readable report, and what was read."""
    from fnmatch import fnmatch

    from infer.inputs import expand

    errors: list[InputError] = []
    sequences: list[list[int]] = []
    reports = units = 0
    inputs = expand([str(f) for f in folders])
    left_out = [p for p in inputs.files if any(fnmatch(p.name, pattern) for pattern in exclude)]
    inputs.files = [p for p in inputs.files if p not in left_out]
    for document in iter_documents([], errors, inputs):
        rows = [dict(r) for r in document.rows if r.get("kind") != "meta"]
        if not rows:
            continue
        frame = frame_rows(rows, document.year)
        reports += 1
        units += len(rows)
        current = [vocabulary.cls]
        for ids in vocabulary.ids([text_of(row, frame) for row in rows]):
            ids = ids[:max_length - 2]
            if len(current) + len(ids) + 1 > max_length:
                sequences.append(current)
                current = [vocabulary.cls]
            current += [*ids, vocabulary.sep]
        if len(current) > 1:
            sequences.append(current)
    if not sequences:
        raise InputError(", ".join(map(str, folders)), "no readable reports to adapt on")
    return sequences, {"reports": reports, "units": units, "sequences": len(sequences),
                       "tokens": sum(map(len, sequences)), "unreadable files": len(errors),
                       "left out": [str(p) for p in left_out]}


def adapt(folders: list[Path], output: Path, config: AdaptConfig) -> Path:
    """Adapt the base model to the reports in `folders`; save it as a new base model folder."""
    import torch
    from datasets import Dataset
    from transformers import (AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                              TrainingArguments, set_seed)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    set_seed(config.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    base = resolve_base_model(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForMaskedLM.from_pretrained(base, dtype=torch.float32)
    sequences, read = corpus_sequences(TokenizerWrapper(tokenizer.backend_tokenizer), folders, config.max_length,
                                       config.exclude)
    print(f"adapting {config.base_model} on {read['reports']} reports ({read['tokens']:,} tokens in "
          f"{read['sequences']} sequences)", flush=True)
    dataset = Dataset.from_dict({"input_ids": sequences})
    checkpoints = output / CHECKPOINTS
    args = TrainingArguments(
        output_dir=str(checkpoints), num_train_epochs=config.epochs, max_steps=config.max_steps,
        learning_rate=config.learning_rate, per_device_train_batch_size=config.batch_size, warmup_steps=0.06,
        weight_decay=0.01, save_strategy="steps", save_steps=50, save_total_limit=1, logging_steps=50,
        seed=config.seed, data_seed=config.seed, report_to=[], disable_tqdm=not config.progress,
        use_cpu=not torch.cuda.is_available(), remove_unused_columns=False)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability)
    head = [p for name, p in model.named_parameters() if name.startswith("cls.")]
    encoder = [p for name, p in model.named_parameters() if not name.startswith("cls.")]
    optimizer = torch.optim.AdamW([{"params": encoder, "lr": config.learning_rate},
                                   {"params": head, "lr": config.head_learning_rate}], weight_decay=0.01)
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator,
                      optimizers=(optimizer, None))
    resume = checkpoints.is_dir() and any(checkpoints.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    staging = output.with_name(f".{output.name}.saving")
    shutil.rmtree(staging, ignore_errors=True)
    trainer.model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    card = {"adapted_from": config.base_model, "adapted_on": [str(f) for f in folders], **read,
            "steps": trainer.state.global_step, "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None, "config": asdict(config),
            "adapted_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    atomic_write_text(staging / "README.md", _card(card))
    shutil.rmtree(checkpoints, ignore_errors=True)  # done: nothing left to resume
    return swap_in(staging, output)


def _card(card: dict) -> str:
    licence = LICENCE if card["adapted_from"] == DEFAULT_BASE else "that of the base model"
    return f"""# {card['adapted_from']}, adapted to government reports

A base model for `reportag train --base-model`: `{card['adapted_from']}` after continued
masked-language-model pretraining (`reportag adapt`) on unlabelled reports.

- Adapted on: {', '.join(card['adapted_on'])} (read at run time, not copied): {card['reports']} reports,
  leaving out {', '.join(card['left out']) or 'nothing'};
  {card['units']:,} units, {card['tokens']:,} tokens in {card['sequences']} sequences of up to
  {card['config']['max_length']} tokens; years written relative to the year each report reviews.
- {card['steps']} steps, batch {card['config']['batch_size']}, learning rate {card['config']['learning_rate']:g}
  (the new masked-LM head {card['config']['head_learning_rate']:g}),
  15% of tokens masked; masked-LM loss {card['first_loss']} → {card['last_loss']}.
- Licence: {licence}.
- Made {card['adapted_at']}.
"""
