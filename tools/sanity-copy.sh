#!/usr/bin/env bash
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Lay the collection out for ansible-test sanity at DEST (.../ansible_collections/platform_ops/admin): the files
# git knows about (tracked, or new and not ignored), as a git repository of its own (inside this checkout,
# ansible-test would list files through our git, which ignores .build/). DEST's tests/output from an earlier run,
# where ansible-test keeps the virtual environment it runs in, is kept (and left out of the copy's git), so a
# second run installs nothing.
#
#   bash tools/sanity-copy.sh DEST
set -euo pipefail
dest=${1:?usage: sanity-copy.sh DEST}
kept="$dest.output-kept"
rm -rf "$kept"
if [ -d "$dest/tests/output" ]; then
    mv "$dest/tests/output" "$kept"
fi
rm -rf "$dest"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$dest"
git -C "$dest" init -q
echo '/tests/output/' >> "$dest/.git/info/exclude"
git -C "$dest" add -A
if [ -d "$kept" ]; then
    mkdir -p "$dest/tests"
    mv "$kept" "$dest/tests/output"
fi
