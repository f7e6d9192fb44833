#!/usr/bin/env bash
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What `make test` needs from the system besides make, checked before anything else runs:
#
#   PYTHON (python3.11)  the project's virtual environments (with its venv module: Debian's python3-venv)
#   git, tar             the sanity copies of the collection (make sanity)
#   chromium             make docs-check opens the built documentation site in it (Debian's chromium)
#   java 17 or later     ansible-rulebook's rule engine, for the end-to-end rulebook test (openjdk-17-jdk-headless)
#
# When something is missing and this user can install Debian packages (root, or passwordless sudo, and apt-get),
# it is installed. Otherwise this stops at once with one sentence per missing tool and the command that installs it.
#
#   PYTHON=python3.11 bash tools/system-deps.sh
#
# Python 3.12 and 3.13 (for the ansible-core 2.20 and 2.21 entries of the matrix) are not needed: the matrix skips
# an entry whose Python is missing and says so (tools/find-python.sh).
set -u

PYTHON=${PYTHON:-python3.11}
missing=()   # "name|why|debian package" for each missing tool

java_major() {
    # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (1.8.0_x for Java 8)
    local line version
    line=$(java -version 2>&1 | head -n 1) || return 1
    version=${line#*\"}
    version=${version%%\"*}
    case $version in
        1.*) version=${version#1.} ;;
    esac
    echo "${version%%[.+-]*}"
}

check() {
    missing=()
    if ! "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        missing+=("$PYTHON|Python 3.11 or later with its venv module, for the virtual environments|python3 python3-venv")
    fi
    command -v git >/dev/null 2>&1 || missing+=("git|git, for the sanity copy of the collection|git")
    command -v tar >/dev/null 2>&1 || missing+=("tar|tar, for the sanity copy of the collection|tar")
    command -v chromium >/dev/null 2>&1 ||
        missing+=("chromium|Chromium, which make docs-check opens the documentation site in|chromium")
    local major
    major=$(command -v java >/dev/null 2>&1 && java_major)
    case $major in
        '' | *[!0-9]*)
            missing+=("java|Java 17 or later, which ansible-rulebook's rule engine runs in|openjdk-17-jdk-headless") ;;
        *)
            if [ "$major" -lt 17 ]; then
                missing+=("java|Java 17 or later (java -version says $major), which ansible-rulebook's rule engine runs in|openjdk-17-jdk-headless")
            fi ;;
    esac
}

packages() {
    local entry
    for entry in "${missing[@]}"; do
        printf '%s ' "${entry##*|}"
    done
}

check
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=''
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo='sudo -n'
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    pkgs=$(packages)
    echo "system-deps: installing what make test needs: $pkgs"
    # shellcheck disable=SC2086  # one word per package
    if output=$({ $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $pkgs; } 2>&1); then
        check
        [ ${#missing[@]} -eq 0 ] && exit 0
    else
        echo "$output" >&2  # apt-get's own words on what went wrong
    fi
fi

for entry in "${missing[@]}"; do
    IFS='|' read -r name why pkg <<<"$entry"
    echo "system-deps: $name is missing: $why; install it with: sudo apt-get install $pkg" >&2
done
echo "system-deps: make test stopped before building anything; install the above (or run make test as a user who may install packages, which installs them itself)." >&2
exit 1
