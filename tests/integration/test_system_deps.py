# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/system-deps.sh, which `make test` runs before anything else: it names each missing system tool with
the command that installs it and stops at once, or installs them when this user may (root or passwordless sudo,
with apt-get).

Each case runs the script with a PATH of its own: a folder holding only the commands the case gives it (stand-ins
for java, chromium, id, sudo and apt-get), so the machine's own tools play no part.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'tools', 'system-deps.sh')
BASH = shutil.which('bash')
CHMOD = shutil.which('chmod')


def _command(folder, name, body):
    path = folder / name
    path.write_text('#!%s\n%s\n' % (BASH, body), encoding='utf-8')
    path.chmod(0o755)


def _java(version):
    return 'echo \'openjdk version "%s" 2025-04-15\' >&2' % version


@pytest.fixture
def system(tmp_path):
    """A folder to put stand-in commands in (it is the whole PATH, with git, tar and head), and a runner."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for tool in ('git', 'tar', 'head'):
        os.symlink(shutil.which(tool), bin_dir / tool)

    def run(uid=0):
        _command(bin_dir, 'id', 'echo %d' % uid)
        started = time.monotonic()
        completed = subprocess.run([BASH, SCRIPT], env=dict(PATH=str(bin_dir), PYTHON=sys.executable, HOME=str(tmp_path)),
                                   capture_output=True, text=True, timeout=60, check=False)
        completed.seconds = time.monotonic() - started
        return completed

    run.bin = bin_dir
    run.log = tmp_path / 'apt-get.log'
    return run


def test_everything_there_says_nothing(system):
    _command(system.bin, 'chromium', 'true')
    _command(system.bin, 'java', _java('17.0.15'))
    completed = system()
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, '', '')


def test_missing_tools_are_named_with_their_install_command_when_nothing_can_install_them(system):
    completed = system(uid=1000)  # no sudo, no apt-get
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        "system-deps: chromium is missing: Chromium, which make docs-check opens the documentation site in; "
        "install it with: sudo apt-get install chromium",
        "system-deps: java is missing: Java 17 or later, which ansible-rulebook's rule engine runs in; "
        "install it with: sudo apt-get install openjdk-17-jdk-headless",
        "system-deps: make test stopped before building anything; install the above (or run make test as a user "
        "who may install packages, which installs them itself).",
    ]
    assert completed.seconds < 10


def test_an_old_java_is_named_with_its_version(system):
    _command(system.bin, 'chromium', 'true')
    _command(system.bin, 'java', _java('11.0.2'))
    completed = system(uid=1000)
    assert completed.returncode == 1
    assert 'java is missing: Java 17 or later (java -version says 11)' in completed.stderr
    assert 'chromium' not in completed.stderr


def test_a_user_without_passwordless_sudo_is_not_made_to_install(system):
    _command(system.bin, 'java', _java('21'))
    _command(system.bin, 'sudo', 'exit 1')  # sudo -n: a password would be needed
    _command(system.bin, 'apt-get', 'echo "$@" >> %s' % system.log)
    completed = system(uid=1000)
    assert completed.returncode == 1
    assert 'sudo apt-get install chromium' in completed.stderr
    assert not system.log.exists()


@pytest.mark.parametrize('uid, sudo', [(0, None), (1000, '"$@"')], ids=['root', 'passwordless-sudo'])
def test_who_may_install_gets_the_missing_packages_installed(system, uid, sudo):
    if sudo:
        _command(system.bin, 'sudo', 'shift; %s' % sudo)  # sudo -n CMD...: runs CMD
    # apt-get records its arguments; `install` brings the stand-ins for what it was asked for.
    _command(system.bin, 'apt-get', '\n'.join([
        'echo "$@" >> %s' % system.log,
        'case " $* " in *" chromium "*) printf "#!%s\\ntrue\\n" > %s/chromium; %s +x %s/chromium;; esac' % (
            BASH, system.bin, CHMOD, system.bin),
        'case " $* " in *" openjdk-17-jdk-headless "*) printf "#!%s\\n%s\\n" > %s/java; %s +x %s/java;; esac' % (
            BASH, _java('17.0.15').replace('"', '\\"'), system.bin, CHMOD, system.bin),
    ]))
    completed = system(uid=uid)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == 'system-deps: installing what make test needs: chromium openjdk-17-jdk-headless \n'
    assert system.log.read_text(encoding='utf-8').splitlines() == [
        'update -qq', 'install -y -qq chromium openjdk-17-jdk-headless']


def test_an_install_that_does_not_bring_the_tool_still_fails_naming_it(system):
    _command(system.bin, 'java', _java('17'))
    _command(system.bin, 'apt-get', 'exit 0')  # "succeeds" without installing anything
    completed = system(uid=0)
    assert completed.returncode == 1
    assert 'chromium is missing' in completed.stderr


# tools/find-python.sh: the matrix's interpreter for each ansible-core release.

FIND_PYTHON = os.path.join(ROOT, 'tools', 'find-python.sh')


def _find_python(tmp_path, version, pyenv_root):
    completed = subprocess.run([BASH, FIND_PYTHON, version], capture_output=True, text=True, timeout=30, check=False,
                               env=dict(PATH='%s:%s' % (tmp_path / 'bin', os.path.dirname(shutil.which('sort'))),
                                        PYENV_ROOT=str(pyenv_root), HOME=str(tmp_path)))
    return completed.returncode, completed.stdout.strip()


def test_find_python_passes_over_a_pyenv_shim_that_fails_and_takes_the_newest_installed_patch(tmp_path):
    (tmp_path / 'bin').mkdir()
    _command(tmp_path / 'bin', 'python3.12', 'echo "pyenv: python3.12: command not found" >&2; exit 127')
    for patch in ('3.12.9', '3.12.10', '3.13.0'):
        (tmp_path / 'pyenv' / 'versions' / patch / 'bin').mkdir(parents=True)
        _command(tmp_path / 'pyenv' / 'versions' / patch / 'bin', 'python' + patch.rsplit('.', 1)[0], 'echo "$0"')
    assert _find_python(tmp_path, '3.12', tmp_path / 'pyenv') == (
        0, str(tmp_path / 'pyenv' / 'versions' / '3.12.10' / 'bin' / 'python3.12'))
    assert _find_python(tmp_path, '3.14', tmp_path / 'pyenv') == (1, '')


def test_find_python_takes_a_working_one_on_path_first(tmp_path):
    (tmp_path / 'bin').mkdir()
    version = '%d.%d' % sys.version_info[:2]
    os.symlink(sys.executable, tmp_path / 'bin' / ('python' + version))
    assert _find_python(tmp_path, version, tmp_path / 'no-pyenv') == (0, str(tmp_path / 'bin' / ('python' + version)))
