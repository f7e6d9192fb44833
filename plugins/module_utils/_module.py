# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the frame every module runs in, and the Ansible glue.

``http_client`` is transport only; what ties it to Ansible lives here:

* the common options and their validation (``common_argument_spec``, ``common_problem``, ``url_problem``);
* ``http_from_module``: an ``HttpClient`` built from the common options, in the run's check mode, with every
  secret registered both with the client's redactor and with Ansible's ``no_log_values``;
* ``resolve_credentials``: the one rule of every vendor for credentials - those the task gives win, and the
  environment is only a fallback;
* ``PlatformModule``, an ``AnsibleModule`` that merges the common, vendor and module option specs (and refuses
  text options with control characters), builds the vendor client in ``with module.connect() as client:`` (which
  always closes it and turns an ``ApiError`` into one ``fail_json`` carrying the partial result), owns
  ``result``, ``changed`` and ``diff``, and settles every write whose outcome is unknown (``settle``, ``write``).

A vendor is described by a ``Connection``: its option spec, option constraints, its ways to authenticate (with the
environment variables each option falls back to) and ``connect(module)``, which validates the connection options and
returns the vendor client.
"""

from __future__ import annotations

import contextlib
import os
import stat
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import (
    ACCEPTED,
    HAS_REQUESTS,
    MAX_RETRIES,
    MAX_TIMEOUT,
    REQUESTS_IMPORT_ERROR,
    UNCLEAR,
    ApiError,
    HttpClient,
    certificates_in_directory,
    control_problem,
    one_line,
)


def common_argument_spec(env_prefix):
    """Options every module has (documented by the ``platform_ops.admin.common`` fragment); TLS options fall
    back to the vendor's ``<env_prefix>CA_PATH`` and ``<env_prefix>VALIDATE_CERTS`` (what an AWX credential
    injects)."""
    return dict(
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, [env_prefix + 'VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, [env_prefix + 'CA_PATH'])),
        timeout=dict(type='float', default=30.0),
        retries=dict(type='int', default=3),
    )


# --- validators (pure: they return a problem, or None) ----------------------------------------------------


def common_problem(params):
    """The problem with the common options, or ``None``."""
    timeout = params['timeout']
    if not timeout > 0 or timeout > MAX_TIMEOUT:
        return 'timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_TIMEOUT, timeout)
    if not 0 <= params['retries'] <= MAX_RETRIES:
        return 'retries must be between 0 and %d, got %s.' % (MAX_RETRIES, params['retries'])
    ca_path = params.get('ca_path')
    if ca_path is not None and params['validate_certs']:
        return ca_path_problem(ca_path)
    return None


def ca_path_problem(ca_path):
    """The problem with ``ca_path``, or ``None``: a readable regular file, or a directory holding PEM certificates
    (read file by file, so it needs no ``openssl rehash``). Anything else - a FIFO would block the module until
    Ansible's task timeout - is refused without being opened."""
    try:
        mode = os.stat(ca_path).st_mode
    except FileNotFoundError:
        return ('ca_path %r does not exist; give the PEM file (or directory) of the CA that signed the server '
                'certificate.' % ca_path)
    except OSError as error:
        return 'ca_path %r cannot be read: %s.' % (ca_path, error.strerror or error)
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return 'ca_path %r must be a PEM file or a directory of them; it is neither (a FIFO, socket or device).' % ca_path
    if not os.access(ca_path, os.R_OK | (os.X_OK if stat.S_ISDIR(mode) else 0)):
        return 'ca_path %r cannot be read by this user.' % ca_path
    if stat.S_ISDIR(mode) and not certificates_in_directory(ca_path):
        return ('ca_path %r is a directory without any PEM certificate (-----BEGIN CERTIFICATE-----) in its files; '
                'give the CA file, or put it in that directory.' % ca_path)
    return None


def url_problem(value, option, example):
    """The problem with a base URL option, or ``None`` (one rule for every vendor).

    http or https only, with a host; no ``user:password@`` (the value is not quoted back then: ``url`` options
    are not ``no_log``), no query string or fragment.
    """
    try:
        parts = urlsplit(value or '')
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ('https', 'http') or not parts.hostname:
        if parts is not None and '@' in parts.netloc:
            return '%s must be a URL such as %s, without user:password@.' % (option, example)
        return '%s must be a URL such as %s; got %r.' % (option, example, value)
    if parts.username is not None or parts.password is not None or '@' in parts.netloc:
        return ('%s must not carry credentials (user:password@); give them with the credential options.' % option)
    if parts.query or parts.fragment or value.rstrip().endswith('?') or '#' in value:
        return '%s must not carry a query string or fragment; got %r.' % (option, value)
    if port is not None and not 0 < port < 65536:
        return '%s has no usable port; got %r.' % (option, value)
    if any(char.isspace() for char in value):
        return '%s must not contain spaces; got %r.' % (option, value)
    if any(unquote(segment) in ('.', '..') for segment in parts.path.split('/')):
        # requests collapses them: https://gis.example.com/arcgis/.. would send credentials to the site's root.
        return '%s must not have "." or ".." segments in its path; got %r.' % (option, value)
    return control_problem(value, option)


# Option types whose values are text (checked for control characters).
TEXT_TYPES = ('str', 'path')


def control_characters_problem(params, spec):
    """The problem with the first option (secrets aside) whose text holds a control character, or ``None``: an id,
    a name or an address with a line break or NUL would break a request, a header or a log line."""
    for name in sorted(spec):
        option = spec[name]
        kind = option.get('type', 'str')
        if option.get('no_log') or not (kind in TEXT_TYPES or kind == 'list' and option.get('elements') in TEXT_TYPES):
            continue
        value = params.get(name)
        for item in value if isinstance(value, list) else [value]:
            problem = control_problem(item, name)
            if problem:
                return problem
    return None


# --- glue: options to clients ---------------------------------------------------------------------------------


def require_requests(module):
    """Fail the module cleanly when requests is not installed."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)


def hide_userinfo(module, value):
    """Hide the ``user:password`` of a URL written with one from Ansible's output."""
    if not isinstance(value, str) or '://' not in value:
        return
    userinfo = value.split('://', 1)[1].split('/', 1)[0].rpartition('@')[0]
    if userinfo:
        module.no_log_values.add(userinfo)
        module.no_log_values.update(part for part in userinfo.split(':', 1) if len(part) > 2)


def require_url(module, value, option, example):
    """Fail the module when a base URL option breaks the rule of ``url_problem``. A password written into the
    URL is hidden from Ansible's output first (the echo of the module's arguments included)."""
    hide_userinfo(module, value)
    problem = url_problem(value, option, example)
    if problem:
        module.fail_json(msg=problem)


def warn_plain_http(module, url, option, secrets):
    """Warn when ``url`` is plain http and ``secrets`` (a phrase, empty when none) would travel in clear."""
    if secrets and urlsplit(url).scheme == 'http':
        module.warn('%s uses plain http: the network carries %s unencrypted; use https.' % (option, secrets))


def http_from_module(module, base_url, secrets=(), error_parser=None, pool_maxsize=10, headers=None,
                     errors_in_success=False):
    """An ``HttpClient`` configured from the common options, in the run's check mode (it refuses writes then).
    Secrets are registered with the client and with Ansible, so neither an error message nor a returned value
    can show them."""
    require_requests(module)
    params = module.params
    problem = common_problem(params)
    if problem:
        module.fail_json(msg=problem)
    if not params['validate_certs']:
        module.warn('validate_certs is false: the TLS certificate of %s is not verified. '
                    'Prefer ca_path for a private CA.' % base_url)
    client = HttpClient(base_url, timeout=params['timeout'], validate_certs=params['validate_certs'],
                        ca_path=params['ca_path'], retries=params['retries'], error_parser=error_parser,
                        pool_maxsize=pool_maxsize, headers=headers, check_mode=module.check_mode,
                        errors_in_success=errors_in_success)
    for secret in secrets:
        register_secret(module, client, secret)
    return client


def register_basic_auth(module, client, username, password):
    """Hide the password and the base64 of ``username:password`` that basic authentication sends."""
    register_secret(module, client, password)
    for derived in client.redact.add_basic_auth(username, password):
        module.no_log_values.add(derived)


def register_secret(module, client, secret):
    """Hide a secret (given or obtained at run time) from messages and from Ansible's output."""
    if secret:
        client.add_secret(secret)
        module.no_log_values.add(str(secret))


def resolve_credentials(params, ways, environ=None):
    """Fill the credential options of ``params`` from the environment by the one rule of every vendor: credentials
    the task gives (its own options or ``module_defaults``) win, and the environment is only a fallback.

    ``ways`` are the ways to authenticate, in order of preference, each a tuple of ``(option, variable)`` pairs, or
    ``(option, variable, partner)`` for a variable used only when ``partner`` comes from the environment too (a
    security token belongs to the access key it was issued with). The task's way is the first one the task gives
    any option of, and the environment fills only the options of that way the task left out; when the task gives
    none, the first way the environment gives any option of is used. Options of the other ways keep what the task
    gave (a task that gives two ways is refused by the vendor's checks). An empty variable counts as not set.
    Returns the options taken from the environment.
    """
    environ = os.environ if environ is None else environ

    def variable(name):
        return environ.get(name) or None

    chosen = next((way for way in ways if any(params.get(entry[0]) not in (None, '') for entry in way)), None)
    if chosen is None:
        chosen = next((way for way in ways if any(variable(entry[1]) for entry in way)), ())
    taken = []
    for entry in chosen:
        option, name = entry[0], entry[1]
        partner = entry[2] if len(entry) > 2 else None
        if params.get(option) in (None, '') and variable(name) and (partner is None or partner in taken):
            params[option] = variable(name)
            taken.append(option)
    return taken


class Refusal(Exception):
    """What a pure planner raises when the task cannot go on: ``msg`` and the details to return with it.
    ``PlatformModule.connect`` turns it into ``fail_json`` with the result so far."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# --- the frame ----------------------------------------------------------------------------------------------


class Connection:
    """How the modules of one vendor connect: ``argument_spec()``, option constraints, ``credentials`` (the ways to
    authenticate with their environment variables, for ``resolve_credentials``) and ``connect(module)`` (validates
    the connection options, may fail the module, returns a client with a ``close()``)."""

    def __init__(self, argument_spec, connect, required_together=(), mutually_exclusive=(), required_one_of=(),
                 credentials=()):
        self.argument_spec = argument_spec
        self.connect = connect
        self.required_together = list(required_together)
        self.mutually_exclusive = list(mutually_exclusive)
        self.required_one_of = list(required_one_of)
        self.credentials = tuple(credentials)

    def prepare(self, params, spec, no_log_values, credentials=None):
        """After the argument spec: an empty connection option counts as not given (a credential, in AWX, injects
        every variable of its type, an empty string for the fields left blank), then the credentials are taken
        from the task or the environment (``resolve_credentials``); secrets from the environment are hidden like
        the task's own."""
        for name in spec.keys() & self.argument_spec().keys():
            if params.get(name) == '':
                params[name] = None
        ways = self.credentials if credentials is None else credentials
        for option in resolve_credentials(params, ways):
            if spec[option].get('no_log'):
                no_log_values.add(str(params[option]))


class PlatformModule(AnsibleModule):
    """An ``AnsibleModule`` with the collection's frame (see the module docstring).

    ``argument_spec`` is the module's own options, merged over the vendor's (which include the common ones).
    ``credentials`` replaces the vendor's ways to authenticate (a module that generates a token takes no token).
    ``result`` starts as ``dict(changed=False)``, with ``initial`` added; whatever a module puts there is
    returned by ``done()`` and by every failure, so a failure after a change still reports it.
    """

    def __init__(self, connection, argument_spec=None, required_together=(), mutually_exclusive=(),
                 required_one_of=(), required_by=None, supports_check_mode=True, initial=None, credentials=None):
        spec = connection.argument_spec()
        spec.update(argument_spec or {})
        super().__init__(
            argument_spec=spec,
            required_together=connection.required_together + list(required_together),
            mutually_exclusive=connection.mutually_exclusive + list(mutually_exclusive),
            required_one_of=connection.required_one_of + list(required_one_of),
            required_by=required_by or {},
            supports_check_mode=supports_check_mode,
        )
        self.connection = connection
        connection.prepare(self.params, spec, self.no_log_values, credentials)
        self.result = dict(changed=False)
        self.result.update(initial or {})
        self._refuse_control_characters()  # again: the environment may have filled in options

    def _refuse_control_characters(self):
        problem = control_characters_problem(self.params, self.argument_spec)
        if problem:
            # A URL option fails here before require_url could hide its user:password from the echoed arguments.
            for value in self.params.values():
                hide_userinfo(self, value)
            self.fail_json(msg=problem)

    def _log_invocation(self):
        # AnsibleModule writes the invocation to syslog at the end of its __init__: syslog refuses a NUL, and
        # ansible-core 2.21 then fails with its own message. Options are checked first, so the message is ours.
        self._refuse_control_characters()
        super()._log_invocation()

    @contextlib.contextmanager
    def connect(self, connect=None, **options):
        """The vendor client for this run (``options`` go to the vendor's ``connect``, or to ``connect(module,
        **options)`` when given: the clients of a fleet); always closed, and an ``ApiError`` raised inside (or while
        connecting) becomes ``fail_json`` with the result so far."""
        client = None
        try:
            client = (connect or self.connection.connect)(self, **options)
            yield client
        except ApiError as error:
            self.fail_from(error)
        except Refusal as refusal:
            self.fail(refusal.msg, **refusal.details)
        finally:
            if client is not None:
                client.close()

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ
        """``AnsibleModule.fail_json`` with ``msg`` on one line, whatever value it quotes."""
        super().fail_json(msg=one_line(msg), **kwargs)

    def warn(self, warning):
        super().warn(one_line(warning))

    def settle(self, error, what, done, shown=None, not_shown=None):
        """Judge a write that did not end in a clean success: the collection's one rule for unknown outcomes.

        ``error`` is the ``ApiError`` the write raised, its ``outcome`` set by ``http_client.write_outcome``;
        ``what`` names the write in messages ("the deletion of the workspace of gis_joe").

        * Refused (a 4xx, 429 or 503; an error the server wrote into a 2xx; nothing sent): ``error`` is raised,
          ``changed`` stays as it is.
        * Accepted (a 2xx whose body is unusable): the write counts as done, with a warning; returns ``ACCEPTED``.
        * Unclear (another 5xx, an answer lost or cut after the request left): ``done()`` reads the target again and
          returns what it sees - anything true when the state now matches the request. True: a warning naming the
          unclear answer and what was seen (``shown(value)``, default "it was carried out"); returns that value.
          False: ``error`` is raised, its reason extended with ``not_shown``. A re-read that fails raises ``error``
          too, saying that the outcome is not known.
        """
        if error.outcome == ACCEPTED:
            self.warn('The server accepted %s (%s) but its answer could not be used; it is reported as done.' % (
                what, error.answer()))
            return ACCEPTED
        if error.outcome != UNCLEAR:
            raise error
        try:
            value = done()
        except ApiError as reread:
            error.reason = '; '.join(part for part in (error.reason, 'reading again to see whether it was carried out '
                                                       'failed too (%s)' % reread) if part)
            raise error from None
        if not value:
            error.reason = '; '.join(part for part in (error.reason, not_shown or 'reading again shows it was not '
                                                       'carried out') if part)
            raise error
        self.warn('The answer to %s was unclear (%s); %s.' % (
            what, error.answer(), shown(value) if shown else 'reading again shows it was carried out'))
        return value

    def write(self, what, send, done, **words):
        """``send()`` a write; its answer on a clean success, else what ``settle`` makes of the error."""
        try:
            return send()
        except ApiError as error:
            return self.settle(error, what, done, **words)

    def fail_from(self, error, **extra):
        """``fail_json`` with the error's one sentence, its details and the result so far."""
        details = dict(self.result)
        details.update(error.as_result())
        details.update(extra)
        details.pop('msg', None)
        self.fail_json(msg=str(error), **details)

    def fail(self, msg, **extra):
        """``fail_json`` with ``msg`` and the result so far."""
        details = dict(self.result)
        details.update(extra)
        self.fail_json(msg=msg, **details)

    def require(self, problem):
        """Fail (before any request) when a validator found a problem."""
        if problem:
            self.fail_json(msg=problem)

    def report(self, before, after, changed=None):
        """Record a change: ``changed`` (default: ``before != after``) and, in diff mode, the diff."""
        changed = before != after if changed is None else changed
        self.result['changed'] = bool(self.result.get('changed')) or bool(changed)
        if self._diff:
            self.result['diff'] = dict(before=before, after=after)

    def mark_changed(self, value=True):
        """Record that the server accepted a write (or, in check mode, would have)."""
        self.result['changed'] = bool(self.result.get('changed')) or bool(value)

    def done(self, **extra):
        """``exit_json`` with the result."""
        self.result.update(extra)
        self.exit_json(**self.result)
