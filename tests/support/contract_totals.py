"""What the contract tests saw (tests/client/test_contract_prism.py), summed for the run's summary.

Each test records its own counts (`record_property("contract_totals", ...)`); tests/support/summaries.py
merges them in the controlling process, so the line is right with pytest-xdist too.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class ContractTotals:
    """What the contract tests saw; printed by pytest_terminal_summary."""

    operation_count: int = 0
    exercised: set[str] = dataclasses.field(default_factory=set)
    sent: int = 0
    accepted: int = 0
    parsed: int = 0
    typed_errors: int = 0
    static_fallbacks: list[str] = dataclasses.field(default_factory=list)
    prism_cannot_answer: list[str] = dataclasses.field(default_factory=list)

    def summary_line(self) -> str:
        return (
            f"contract: {len(self.exercised)} operations exercised, {self.accepted} requests accepted, "
            f"{self.parsed} answers parsed (of {self.operation_count} operations x sync+asyncio)"
        )

    def details(self) -> list[str]:
        lines = [f"  requests sent: {self.sent}; documented error statuses raised as typed errors: {self.typed_errors}"]
        if self.static_fallbacks:
            lines.append(
                f"  static answers after json-schema-faker crashed ({len(self.static_fallbacks)}): "
                + ", ".join(self.static_fallbacks)
            )
        if self.prism_cannot_answer:
            lines.append(
                f"  Prism cannot serialize the answer ({len(self.prism_cannot_answer)}, xfail): "
                + ", ".join(self.prism_cannot_answer)
            )
        return lines

    def as_record(self) -> dict[str, Any]:
        """What one test saw, as plain data that travels with its report."""
        record = dataclasses.asdict(self)
        record["exercised"] = sorted(self.exercised)
        return record

    @classmethod
    def merged(cls, records: list[dict[str, Any]]) -> ContractTotals:
        totals = cls()
        for record in records:
            totals.operation_count = max(totals.operation_count, record["operation_count"])
            totals.exercised.update(record["exercised"])
            for name in ("sent", "accepted", "parsed", "typed_errors"):
                setattr(totals, name, getattr(totals, name) + record[name])
            totals.static_fallbacks += record["static_fallbacks"]
            totals.prism_cannot_answer += record["prism_cannot_answer"]
        return totals
