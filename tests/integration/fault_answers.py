# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The answers of the fault suite's unknown-outcome cases (item 11), the same for every vendor's writes."""

from __future__ import annotations

JSON = {'Content-Type': 'application/json'}
HTML = {'Content-Type': 'text/html'}
GATEWAY_500 = dict(status=500, body='<html>Internal Server Error</html>', headers=HTML)


def unclear_answers(truncated_json):
    """``(what the answer was, the simulator fault, whether the backend carried the write out)`` for each answer that
    does not say plainly what became of a write: 2xx answers whose body is unusable (``truncated_json``, the start
    of the vendor's own answer; an HTML page; a JSON list where an object is documented), and a gateway's 500 after
    the backend carried the write out, or did not."""
    return [
        ('HTTP 200 with truncated JSON', dict(status=200, body=truncated_json, headers=JSON), True),
        ('HTTP 200 with an HTML page', dict(status=200, body='<html><body>OK</body></html>', headers=HTML), True),
        ('HTTP 200 with a JSON list, not the documented object', dict(status=200, body='[]', headers=JSON), True),
        ('HTTP 500 from a gateway, write applied', GATEWAY_500, True),
        ('HTTP 500 from a gateway, write not applied', GATEWAY_500, False),
    ]


def ids(cases):
    """pytest ids: the first member of each case."""
    return [case[0] for case in cases]


def refused_control_character(out, option, value):
    """The module's refusal of a control character in ``option`` (the value quoted escaped, on one line)."""
    shown = value[0] if isinstance(value, list) else value
    return out.failed and out.msg == '%s must not contain control characters (a line break, a tab, NUL...); got %r.' % (
        option, shown)
