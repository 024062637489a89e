"""The label set: defined once here, read by training, tagging, Label Studio and tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    value: str  # stored in annotations and model configs
    chinese: str  # shown to annotators
    hotkey: str
    colour: str  # for the terminal table and the HTML view
    description: str


LABELS: tuple[Label, ...] = (
    Label("measure", "举措", "1", "#1f77b4", "what was done: an action, rule, mechanism or activity of the year"),
    Label("achievement", "成效", "2", "#2ca02c", "a result: outcome, figure completed, rate, award, goal reached"),
    Label("shortfall", "不足", "3", "#d62728", "a problem, weakness or gap in the body's own work, or its cause"),
    Label("plan", "计划", "4", "#ff7f0e", "what will be done next: arrangements, goals, commitments"),
    Label("other", "其他", "5", "#7f7f7f", "headings of parts, furniture, metadata, framing"),
)

LABEL_NAMES: tuple[str, ...] = tuple(label.value for label in LABELS)
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABEL_NAMES)}
ID2LABEL: dict[int, str] = dict(enumerate(LABEL_NAMES))
BY_VALUE: dict[str, Label] = {label.value: label for label in LABELS}
STRUCTURE_LABEL = "other"  # what headings and meta units get when passed through tagging


def check_label(value: str) -> str:
    """Return `value` if it is a known label, else raise ValueError naming the choices."""
    if value not in BY_VALUE:
        raise ValueError(f"unknown label {value!r} (expected one of {', '.join(LABEL_NAMES)})")
    return value


# The labels folders training reads: the seed annotations, and the project-written material.
LABEL_FOLDERS = ("labels", "labels/written")

# How a label travels in Label Studio: the <Choices name="label" toName="text"> of labels/config.xml,
# over tasks whose data holds infer.outputs.rows.LS_DATA_FIELDS.
LS_FROM_NAME = "label"
LS_TO_NAME = "text"


def config_problem(config: str) -> str | None:
    """What is wrong with a Label Studio labelling config for reportag's tasks, or None if nothing is.

    `ls push` checks a project's config with it, and the ML backend the config Label Studio sends to /setup.
    """
    import xml.etree.ElementTree as ET

    if not isinstance(config, str) or not config.strip():
        return "no labelling config"
    try:
        root = ET.fromstring(config)
    except ET.ParseError as exc:
        return f"the labelling config is not XML ({exc})"
    choices = [c for c in root.iter("Choices") if c.get("name") == LS_FROM_NAME]
    if not choices:
        return f'the labelling config has no <Choices name="{LS_FROM_NAME}">'
    if choices[0].get("toName") != LS_TO_NAME:
        return f'<Choices name="{LS_FROM_NAME}"> must label toName="{LS_TO_NAME}"'
    values = [c.get("value") for c in choices[0].iter("Choice")]
    if values != list(LABEL_NAMES):
        return f"the labelling config's choices {values} are not reportag's labels {list(LABEL_NAMES)}"
    return None


def choices_result(label: str) -> dict:
    """One Label Studio `choices` result region holding `label`."""
    return {
        "from_name": LS_FROM_NAME,
        "to_name": LS_TO_NAME,
        "type": "choices",
        "value": {"choices": [check_label(label)]},
    }


def ls_prediction(label: str, score: float, model_version: str) -> dict:
    """A Label Studio prediction (pre-annotation) of one task."""
    return {"model_version": model_version, "score": score, "result": [choices_result(label)]}
