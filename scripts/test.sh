#!/usr/bin/env bash
# The project's test command (README and .ci/run): set up, then run pytest.
# pytest's exit code 5 ("no tests collected") is a failure here, not success.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
python3 -m pytest -q "$@"
code=$?
if [ "$code" = 5 ]; then
  echo "test.sh: pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$code"
