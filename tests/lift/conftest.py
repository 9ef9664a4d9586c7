"""Print how many random cases each class ran (passed / skipped as UNPREDICTABLE / faulted in both / failed).

The counts travel in each test report's user properties, so the table is complete under ``pytest -n`` too
(the tests then run in worker processes)."""

from __future__ import annotations

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
