"""What import-newapi did (or, in a dry run, would do), per table: rows in the source, inserted,
updated, unchanged and skipped, with a few examples of why rows were skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

_NOTES = 5  # examples kept per table


@dataclass
class TableReport:
    table: str
    what: str
    source: int = 0
    insert: int = 0
    update: int = 0
    same: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.notes) < _NOTES:
            self.notes.append(text)


@dataclass
class Report:
    source: str
    kind: str
    dry_run: bool
    tables: list[TableReport] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = "dry run: nothing written; a real run would do this" if self.dry_run else "done"
        lines = [f"import from {self.source} ({self.kind}): {head}"]
        lines.append(f"  {'table':<21}{'source':>8}{'insert':>8}{'update':>8}"
                     f"{'same':>8}{'skipped':>8}  what")  # fmt: skip
        for t in self.tables:
            lines.append(
                f"  {t.table:<21}{t.source:>8}{t.insert:>8}{t.update:>8}{t.same:>8}"
                f"{t.skipped:>8}  {t.what}"
            )
            lines += [f"      - {n}" for n in t.notes]
        if self.absent:
            lines.append("  not in the source (nothing to import): " + ", ".join(self.absent))
        return "\n".join(lines)
