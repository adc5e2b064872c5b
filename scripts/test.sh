#!/usr/bin/env bash
# Install everything the tests need into .venv, then lint, type-check and test.
# Usage: bash scripts/test.sh   (the README's test command; .ci/run calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
PY=.venv/bin/python
echo "== ruff"; "$PY" -m ruff check src tests benchmarks scripts
echo "== ruff format"; "$PY" -m ruff format --check src tests benchmarks scripts
echo "== mypy"; "$PY" -m mypy
echo "== pytest"; "$PY" -m pytest -q
