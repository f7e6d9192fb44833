#!/usr/bin/env bash
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Make (or keep) the virtual environment of one ansible-core matrix entry:
#
#   bash tools/matrix-venv.sh VENV CORE PYTHON fast|full
#
# VENV gets ansible-core CORE on the interpreter PYTHON, with requirements/matrix.txt (and matrix-full.txt for an
# entry that runs the whole suite), pinned by constraints.txt except for what ansible-core pins itself. The venv is
# kept while the interpreter, CORE and those files stay the same (its .installed records them): a second make test
# spends no time in pip.
set -euo pipefail
venv=${1:?usage: matrix-venv.sh VENV CORE PYTHON fast|full}
core=${2:?} python=${3:?} mode=${4:?}
cd "$(dirname "$0")/.."
requirements=(-r requirements/matrix.txt)
files=(requirements/matrix.txt requirements/constraints.txt)
if [ "$mode" = full ]; then
    requirements+=(-r requirements/matrix-full.txt)
    files+=(requirements/matrix-full.txt)
fi
stamp="ansible-core $core $mode; $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])'); $(cat "${files[@]}" | sha256sum)"
if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$stamp" ]; then
    exit 0
fi
rm -rf "$venv"
"$python" -m venv "$venv"
grep -v -i -e '^ansible-core==' -e '^resolvelib==' -e '^ansible-lint==' requirements/constraints.txt > "$venv/constraints.txt"
"$venv/bin/python" -m pip install --disable-pip-version-check -q "ansible-core==$core" "${requirements[@]}" \
    -c "$venv/constraints.txt"
echo "$stamp" > "$venv/.installed"
