# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open module pages of the built documentation site in headless Chromium and check what a reader sees.

`make docs-check` runs this with the docs venv's Python after `make docs`:

    docs_browser_check.py HTML_DIR MODULE [MODULE ...]

HTML_DIR (the Sphinx output of `make docs`) is served on 127.0.0.1 on a free port for the duration of the run.
For each MODULE (a short name such as notebook_deployment), Chromium loads MODULE_module.html and prints the
DOM after the page's scripts ran (--dump-dom). The page passes when:

- its title names the module and carries the module's short description,
- a Parameters section holds the options table antsibull-docs renders (table.ansible-option-table),
- that table shows every option the module documents (read with ansible-doc from ANSIBLE_COLLECTIONS_PATH,
  the collection the site was built from), and the options in REQUIRED_OPTIONS below by name.

Exits 0 when every page passes, 1 with one line per problem otherwise, 2 when it cannot run at all.
"""

from __future__ import annotations

import argparse
import functools
import html.parser
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

COLLECTION = "platform_ops.admin"
# Chromium on PATH, as tools/system-deps.sh looks for it, or where Debian puts it.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Options a page must show by name, whatever ansible-doc says (a safeguard should both sides lose them).
REQUIRED_OPTIONS = {
    "notebook_deployment": {"owner", "state", "url", "deployment_ids"},
    "ece_stateless_resource": {"deployment_id", "kind", "state", "url", "api_key"},
}


class Failure(Exception):
    pass


class _Handler(http.server.SimpleHTTPRequestHandler):
    served: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):
        self.served.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Chromium closes its connections once the DOM is out, some while a font or script is still on its way.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class DocsServer:
    """The HTML directory over HTTP on 127.0.0.1, on a port the system picks, in a daemon thread."""

    def __init__(self, root: Path):
        handler = functools.partial(_Handler, directory=str(root))
        _Handler.served = []
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return "http://127.0.0.1:%d/" % self.httpd.server_address[1]

    def status_of(self, path: str) -> int | None:
        codes = [code for served, code in _Handler.served if served.split("?")[0] == path]
        return codes[-1] if codes else None

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def _kill_group(pgid: int) -> None:
    """End the launcher script and every Chromium process it started (they share its process group)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def dump_dom(url: str, timeout: float) -> str:
    """The DOM of url after load, as headless Chromium prints it, from a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="docs-check-chromium-") as profile:
        command = [CHROMIUM, *CHROMIUM_FLAGS, "--user-data-dir=" + profile, "--dump-dom", url]
        env = dict(os.environ, HOME=profile)  # nothing of the user's profile is read or written
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True, text=True
        ) as proc:
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.communicate()
                raise Failure("%s: Chromium did not finish within %g s" % (url, timeout)) from None
            _kill_group(proc.pid)  # a helper process left behind would hold the profile directory
        if proc.returncode != 0 or not out.strip():
            tail = "\n".join(err.strip().splitlines()[-15:])
            raise Failure("%s: Chromium exited %s with no page:\n%s" % (url, proc.returncode, tail))
        return out


class PageParser(html.parser.HTMLParser):
    """The parts of an antsibull-docs module page the check looks at: the h1 text, and the option titles
    shown in the first ansible-option-table of the section with id 'parameters'."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str], str | None]] = []  # (tag, classes, id) of open elements
        self.h1 = ""
        self.parameters_section = False
        self.options_table = False  # seen the table
        self.option_titles: list[str] = []
        self._title_text: list[str] | None = None
        self._table_depth: int | None = None  # stack depth of the options table while inside it

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def _inside(self, tag: str, cls: str | None = None, ident: str | None = None) -> bool:
        return any(
            t == tag and (cls is None or cls in classes) and (ident is None or i == ident)
            for t, classes, i in self.stack
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        ident = attrs.get("id")
        if tag == "section" and ident == "parameters":
            self.parameters_section = True
        if (
            tag == "table"
            and "ansible-option-table" in classes
            and not self.options_table
            and self._inside("section", ident="parameters")
        ):
            self.options_table = True
            self._table_depth = len(self.stack)
        if tag == "p" and "ansible-option-title" in classes and self._table_depth is not None:
            self._title_text = []
        if tag not in self.VOID:
            self.stack.append((tag, classes, ident))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        # Tolerate unbalanced markup: close up to the nearest open element of this name.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if tag == "p" and self._title_text is not None:
            self.option_titles.append("".join(self._title_text).strip())
            self._title_text = None
        if self._table_depth is not None and len(self.stack) <= self._table_depth:
            self._table_depth = None

    def handle_data(self, data):
        if self._title_text is not None:
            self._title_text.append(data)
        if self._inside("h1"):
            self.h1 += data


def documented(modules: list[str]) -> dict[str, dict]:
    """ansible-doc's view of each module: short description and top-level option names."""
    ansible_doc = Path(sys.executable).parent / "ansible-doc"
    names = ["%s.%s" % (COLLECTION, module) for module in modules]
    proc = subprocess.run(
        [str(ansible_doc), "--json", "-t", "module", *names], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise Failure("ansible-doc failed (is ANSIBLE_COLLECTIONS_PATH the built collection's?):\n" + proc.stderr)
    docs = json.loads(proc.stdout)
    result = {}
    for module, name in zip(modules, names):
        if name not in docs:
            raise Failure("ansible-doc does not know %s (ANSIBLE_COLLECTIONS_PATH=%s)"
                          % (name, os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")))
        doc = docs[name]["doc"]
        result[module] = {"short_description": doc["short_description"], "options": set(doc.get("options") or {})}
    return result


def check_page(module: str, dom: str, expected: dict) -> list[str]:
    page = PageParser()
    page.feed(dom)
    page.close()
    problems = []
    title = " ".join(page.h1.split()).rstrip("\uf0c1\u00b6")  # less the theme's permalink sign
    if "%s.%s" % (COLLECTION, module) not in title:
        problems.append("the page title %r does not name %s.%s" % (title, COLLECTION, module))
    if " ".join(expected["short_description"].split()) not in title:
        problems.append("the page title %r lacks the short description %r" % (title, expected["short_description"]))
    if not page.parameters_section:
        problems.append("no Parameters section (section#parameters)")
    elif not page.options_table:
        problems.append("the Parameters section has no options table (table.ansible-option-table)")
    else:
        shown = set(page.option_titles)
        missing = sorted((expected["options"] | REQUIRED_OPTIONS.get(module, set())) - shown)
        if missing:
            problems.append(
                "the options table does not show %s (it shows: %s)"
                % (", ".join(missing), ", ".join(sorted(shown)) or "nothing")
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("html_dir", type=Path, help="the built site (make docs: .build/docs/html)")
    parser.add_argument("modules", nargs="+", help="short module names, e.g. notebook_deployment")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds Chromium gets per page (60)")
    args = parser.parse_args(argv)

    if not os.access(CHROMIUM, os.X_OK):
        print("docs-check: %s not found; install Debian's chromium package (apt-get install chromium)" % CHROMIUM,
              file=sys.stderr)
        return 2
    if not (args.html_dir / "index.html").is_file():
        print("docs-check: no built site in %s (run make docs)" % args.html_dir, file=sys.stderr)
        return 2

    failures = []
    try:
        expected = documented(args.modules)
        with DocsServer(args.html_dir) as server:
            for module in args.modules:
                page = "%s_module.html" % module
                url = server.base_url + page
                try:
                    dom = dump_dom(url, args.timeout)
                except Failure as exc:
                    failures.append(str(exc))
                    continue
                status = server.status_of("/" + page)
                if status != 200:
                    failures.append("%s: the server answered %s, not 200" % (url, status or "nothing"))
                    continue
                problems = check_page(module, dom, expected[module])
                failures.extend("%s: %s" % (page, problem) for problem in problems)
                if not problems:
                    print("docs-check: %s renders its title, short description and an options table of %d options"
                          % (page, len(expected[module]["options"])))
    except Failure as exc:
        failures.append(str(exc))

    for failure in failures:
        print("docs-check: FAILED: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
