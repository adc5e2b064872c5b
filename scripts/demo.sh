#!/usr/bin/env bash
# Set up stridescope and analyse the bundled sample clip into ./stridescope-demo/.
# Usage: bash scripts/demo.sh   (the README's first command)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/stridescope demo --out stridescope-demo
