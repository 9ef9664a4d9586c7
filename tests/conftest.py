"""Test-suite hooks.  The random-instruction classes (tests/lift) report how many cases each ran (passed /
skipped as UNPREDICTABLE / faulted in both / failed): the counts travel in each test report's user
properties, so the table is complete under ``pytest -n`` too (tests run in worker processes, and only this
top-level conftest is loaded by the controlling process)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

STATS: dict[tuple[str, str, str], dict[str, int]] = {}


def pytest_runtest_logreport(report) -> None:  # noqa: ANN001 - pytest hook
    for name, value in report.user_properties:
        if name == "lift_stats":
            key, st = value
            STATS[tuple(key)] = st


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest hook
    if not STATS:
        return
    tr = terminalreporter
    tr.section("random instruction cases vs Unicorn")
    tr.write_line(f"{'class':<16}{'mode':<6}{'engine':<8}{'cases':>8}{'passed':>8}{'skipped':>9}{'faults':>8}"
                  f"{'failed':>8}")  # fmt: skip
    total = 0
    for (cls, mode, engine), st in sorted(STATS.items()):
        total += st["cases"]
        tr.write_line(f"{cls:<16}{mode:<6}{engine:<8}{st['cases']:>8}{st['passed']:>8}{st['skipped']:>9}"
                      f"{st['faults']:>8}{st['failed']:>8}")  # fmt: skip
    tr.write_line(f"total {total} cases (skipped: interworking branch to a misaligned ARM address, UNPREDICTABLE; "
                  "faults: both emulators faulted)")  # fmt: skip
