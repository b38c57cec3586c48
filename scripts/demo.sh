#!/usr/bin/env bash
# The README's first command: install what is needed (scripts/prepare.sh), then deploy the
# example apps onto the built-in local cluster and show their status (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo runs nothing inside berth's image (kwok's fake nodes run no containers): skip building it.
BERTH_SKIP_IMAGE=1 bash scripts/prepare.sh
npm run demo
