"""Print how many random cases each class ran (passed / skipped as UNPREDICTABLE / faulted in both / failed)."""

from __future__ import annotations

from .harness import STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest hook
    if not STATS:
        return
    tr = terminalreporter
    tr.section("random instruction cases vs Unicorn")
    tr.write_line(f"{'class':<12}{'mode':<6}{'engine':<8}{'cases':>8}{'passed':>8}{'skipped':>9}{'faults':>8}"
                  f"{'failed':>8}")  # fmt: skip
    total = 0
    for (cls, mode, engine), st in STATS.items():
        total += st["cases"]
        tr.write_line(f"{cls:<12}{mode:<6}{engine:<8}{st['cases']:>8}{st['passed']:>8}{st['skipped']:>9}"
                      f"{st['faults']:>8}{st['failed']:>8}")  # fmt: skip
    tr.write_line(f"total {total} cases (skipped: interworking branch to a misaligned ARM address, UNPREDICTABLE; "
                  "faults: both emulators faulted)")  # fmt: skip
