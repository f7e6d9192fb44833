#!/usr/bin/env bash
# Start the simulators on loopback, run the demo playbook twice (the second run must change
# nothing), and stop the simulators whatever happens. Called by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.build/simulators
python=.venv/bin/python

(cd tests && "../$python" -m simulators start --state-dir "../$state" --lifetime 900)
trap '(cd tests && "../$python" -m simulators stop --state-dir "../$state")' EXIT

for run in first second; do
  echo
  echo "=== demo: $run run ==="
  .venv/bin/ansible-playbook -i localhost, demo/site.yml -e "@$state/endpoints.json" | tee ".build/demo-$run.log"
done

if ! grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' .build/demo-second.log; then
  echo "demo: the second run changed something; it should not" >&2
  exit 1
fi
echo
echo "demo: the second run changed nothing."
