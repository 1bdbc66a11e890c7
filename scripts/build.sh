#!/usr/bin/env bash
# Configures and builds everything into build/ (Ninja, Release, ccache when
# present). Shared by run.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup-deps.sh"
jobs="${SRFLEET_JOBS:-$(nproc)}"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" --parallel "$jobs" "$@"
