#!/usr/bin/env bash
# Builds everything and runs every test (unit, golden, schema conformance,
# benchmark smoke runs). Tests that need ../shared skip with a message when it
# is absent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --parallel "${SRFLEET_JOBS:-$(nproc)}" --timeout 300
