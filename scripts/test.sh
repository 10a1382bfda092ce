#!/usr/bin/env bash
# The project's test command (README and .ci/run): set up, then run pytest.
# pytest's exit code 5 ("no tests collected") is a failure here, not success.
set -uo pipefail
cd "$(dirname "$0")/.."
# The suite's real builds (cargo, Buck2, reindeer's big set) need room: a full
# disk shows up minutes later as a pytest INTERNALERROR, so say it now.
need_gb="${RLIB_V0_TEST_MIN_FREE_GB:-16}"
tmp="${TMPDIR:-/tmp}"
free_kb=$(df -Pk "$tmp" 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
  echo "test.sh: only $((free_kb / 1024 / 1024)) GB free in $tmp; the tests need ${need_gb} GB (RLIB_V0_TEST_MIN_FREE_GB sets the bar)" >&2
  exit 1
fi
bash scripts/setup.sh || exit 1
python3 -m pytest -q "$@"
code=$?
if [ "$code" = 5 ]; then
  echo "test.sh: pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$code"
