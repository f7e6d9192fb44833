#!/usr/bin/env bash
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Print the path of a working Python X.Y interpreter, or nothing (exit 1) when there is none:
#
#   bash tools/find-python.sh 3.12
#
# Looked for as pythonX.Y on PATH (a pyenv shim counts only when it runs: pyenv puts shims on PATH for versions
# that are installed but not selected, and they fail), then in pyenv's versions directory ($PYENV_ROOT, or
# ~/.pyenv), newest patch release first.
set -u
want=${1:?usage: find-python.sh X.Y}

works() {
    "$1" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" \
        >/dev/null 2>&1
}

# The interpreter itself, not a virtual environment's (make puts .venv/bin first on PATH) nor a shim.
base() {
    "$1" -c 'import sys; print(getattr(sys, "_base_executable", None) or sys.executable)'
}

candidate=$(command -v "python$want" 2>/dev/null) && works "$candidate" && { base "$candidate"; exit 0; }
root=${PYENV_ROOT:-$HOME/.pyenv}
for dir in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
    candidate=$dir/bin/python$want
    [ -x "$candidate" ] && works "$candidate" && { base "$candidate"; exit 0; }
done
exit 1
