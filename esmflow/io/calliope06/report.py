"""What a conversion did with every Calliope 0.6 key: the record behind `conversion_report.md`.

Each key of the 0.6 model ends up in one of three lists: mapped (to which esmflow key),
not mapped (and why), or mapped to the closest esmflow math with a gap noted. The deliberate
differences between 0.6 and esmflow that matter for the model at hand are a fourth list. Every
key not mapped and every gap is also a `ModelWarning`, so nobody has to read the report to learn
that something was left out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from esmflow.errors import ModelWarning

MAPPED, NOT_MAPPED, GAP = "mapped", "not mapped", "gap"


@dataclass(frozen=True)
class Entry:
    """One 0.6 key (dotted path in the 0.6 model) and what became of it."""

    key: str
    status: str
    target: str = ""
    note: str = ""


@dataclass
class Report:
    """Entries in the order they were found, without repeats, and the differences by title."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    differences: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def mapped(self, key: str, target: str, note: str = "") -> None:
        self._add(Entry(key, MAPPED, target, note))

    def not_mapped(self, key: str, why: str) -> None:
        self._add(Entry(key, NOT_MAPPED, "", why))

    def gap(self, key: str, target: str, why: str) -> None:
        self._add(Entry(key, GAP, target, why))

    def difference(self, title: str, text: str) -> None:
        self.differences.setdefault(title, text)

    def file(self, path: str, what: str) -> None:
        self.files.setdefault(path, what)

    def _add(self, entry: Entry) -> None:
        self.entries.setdefault((entry.key, entry.status), entry)

    def of_status(self, status: str) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.status == status]

    def new_since(self, other: Report) -> Report:
        """What this report holds that `other` does not (for an override's own section)."""
        newer = Report()
        newer.entries = {k: e for k, e in self.entries.items() if k not in other.entries}
        newer.differences = {
            k: t for k, t in self.differences.items() if other.differences.get(k) != t
        }
        newer.files = {k: t for k, t in self.files.items() if k not in other.files}
        return newer

    def warn(self, context: str = "") -> None:
        """One ModelWarning per key not mapped and per gap."""
        where = f" ({context})" if context else ""
        for entry in self.of_status(NOT_MAPPED):
            warnings.warn(
                f"Calliope 0.6 key `{entry.key}`{where} not converted: {entry.note}",
                ModelWarning,
                stacklevel=2,
            )
        for entry in self.of_status(GAP):
            warnings.warn(
                f"Calliope 0.6 key `{entry.key}`{where} converted to the closest esmflow "
                f"equivalent `{entry.target}`: {entry.note}",
                ModelWarning,
                stacklevel=2,
            )


def _table(entries: list[Entry], with_target: bool) -> list[str]:
    if not entries:
        return ["(none)", ""]
    if with_target:
        lines = ["| Calliope 0.6 key | esmflow | note |", "| --- | --- | --- |"]
        lines += [f"| `{e.key}` | {_code(e.target)} | {_cell(e.note)} |" for e in entries]
    else:
        lines = ["| Calliope 0.6 key | why |", "| --- | --- |"]
        lines += [f"| `{e.key}` | {_cell(e.note)} |" for e in entries]
    return [*lines, ""]


def _code(text: str) -> str:
    return ", ".join(f"`{part.strip()}`" for part in text.split(",")) if text else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(report: Report) -> list[str]:
    lines = ["### Keys mapped", ""]
    lines += _table(report.of_status(MAPPED), with_target=True)
    lines += ["### Keys not mapped", ""]
    lines += _table(report.of_status(NOT_MAPPED), with_target=False)
    lines += ["### Mapped to the closest esmflow math (gaps)", ""]
    lines += _table(report.of_status(GAP), with_target=True)
    lines += ["### Deliberate differences from Calliope 0.6.10 for this model", ""]
    if report.differences:
        lines += [f"- **{title}**: {text}" for title, text in report.differences.items()]
    else:
        lines.append("(none)")
    lines.append("")
    if report.files:
        lines += ["### Files written", ""]
        lines += [f"- `{path}`: {what}" for path, what in report.files.items()]
        lines.append("")
    return lines


def render(
    source: str, base: Report, variants: dict[str, Report], scenario_notes: dict[str, str]
) -> str:
    """The Markdown of `conversion_report.md`: the model, then each override and scenario."""
    lines = [
        "# Conversion report: Calliope 0.6 → esmflow",
        "",
        f"Converted from `{source}` by `esmflow convert-v06`. Every key of the 0.6 model is listed",
        "below as mapped (to which esmflow key), not mapped (and why), or mapped to the closest",
        "esmflow math with the gap named. Keys not mapped and gaps were also given as warnings.",
        "",
        "## The model",
        "",
        *[line.replace("### ", "### ", 1) for line in _section(base)],
    ]
    for name, report in variants.items():
        lines += [f"## Override `{name}`", ""]
        if name in scenario_notes:
            lines += [scenario_notes[name], ""]
        lines += ["What this override adds to the report of the model:", ""]
        lines += _section(report)
    extra = {k: v for k, v in scenario_notes.items() if k not in variants}
    if extra:
        lines += ["## Scenarios", ""]
        lines += [f"- `{name}`: {note}" for name, note in extra.items()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
