#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing (Debian packages, npm
# dependencies, the offline VS Code workbench), then `npm test` (build, type-check,
# unit tests against real PTYs, integration tests in a real extension host, end-to-end
# tests in a real workbench and browser). Ends with one "N passed, M failed" line.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# The packaging test looks inside every VSIX (unzip, file), cross-compiles node-pty for
# linux-arm64 (the aarch64 compilers) and runs it under emulation (qemu-user-static); the
# Windows suite runs a Windows Node under wine (wine64, ~700 MB); the workbench script
# installs the rest.
if ! command -v unzip >/dev/null || ! command -v file >/dev/null || ! command -v aarch64-linux-gnu-g++ >/dev/null ||
  ! command -v qemu-aarch64-static >/dev/null || ! command -v wine >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    unzip file gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static
  # wine with its recommended libraries: the set the Windows suite was verified with.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 wine
fi
npm ci --no-audit --no-fund
scripts/install-workbench.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
npm test 2>&1 | tee "$log" || status=$?

# Every suite is mocha (the integration suite's report is streamed from the extension host);
# a stage that fails without a mocha report still counts as one failure below.
read -r passed failed < <(awk '
  /^ +[0-9]+ passing/ { passed += $1 }
  /^ +[0-9]+ failing/ { failed += $1 }
  END { print passed + 0, failed + 0 }' "$log")
if ((status != 0 && failed == 0)); then
  failed=1 # a stage failed before any test could report (build, type-check, install)
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
