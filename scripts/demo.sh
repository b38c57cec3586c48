#!/usr/bin/env bash
# The README's first command: install what is needed (scripts/prepare.sh), then deploy the
# example apps onto the built-in local cluster and show their status (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
npm run demo
