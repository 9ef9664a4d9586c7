#!/usr/bin/env bash
# The README's test command: set up (idempotent) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-tests.sh
# one pytest worker per core (pytest-xdist): the suite is CPU-bound (Unicorn, LLVM, Python guests)
python3 -m pytest -q -p no:benchmark --durations=30 -n "${JITEMU_TEST_JOBS:-auto}" "$@"
