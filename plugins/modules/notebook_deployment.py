#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: notebook_deployment
short_description: Terminate ArcGIS Enterprise notebook deployments
version_added: 1.0.0
description:
  - Terminates running notebook deployments of an ArcGIS Enterprise (on Kubernetes) site, selected by id, by owner
    and optionally by age.
  - Sends one list request (C(<url>/admin/notebooks/deployments)), then one C(terminateDeployment) per selected
    deployment that is listed. A deployment that is not listed is already gone - nothing to do.
  - When a terminate fails, the module lists the deployments once more; a deployment that is no longer listed
    counts as terminated. When the answer was unclear (connection cut, read timeout, an HTTP 5xx other than 503,
    an HTTP 200 whose body is not JSON) this task terminated it (C(changed=true), with a warning); when the server
    refused the request, someone or something else got there first (a warning, and no change of this task's).
    Only those still listed fail the task.
  - Many deployments are terminated in one task over one pooled HTTPS session, at most O(parallel) at a time.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  state:
    description:
      - V(absent) terminates the selected deployments. V(terminated) is an alias of V(absent).
    type: str
    choices: [absent, terminated]
    default: absent
  deployment_ids:
    description:
      - The deployments to terminate, by id. A single id may be given as a string.
      - An empty list selects nothing (the task then changes nothing).
      - At least one of O(deployment_ids) and O(owner) is required, so a task never terminates every deployment
        by accident.
    type: list
    elements: str
    aliases: [deployment_id]
  owner:
    description:
      - Terminate the deployments of this user (the C(username) field of the list).
      - With O(deployment_ids) too, only the listed ids that belong to this user are terminated.
    type: str
  older_than_minutes:
    description:
      - Narrows the selection to deployments created at least this many minutes ago (by C(dateCreated)).
    type: int
  parallel:
    description:
      - How many terminate requests are in flight at once, over the one pooled session. Between 1 and 32.
    type: int
    default: 4
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.arcgis_group
attributes:
  check_mode:
    support: full
    details:
      - Lists the deployments and reports what would be terminated; sends no terminate request.
  diff_mode:
    support: full
    details:
      - Shows the ids of the selected deployments before and after.
notes:
  - Administrators may terminate anyone's deployments. Other users see and terminate only their own; deployments
    of other users are not listed for them and are therefore left alone.
  - The account needs the C(Create and edit notebooks) privilege.
seealso:
  - module: platform_ops.admin.notebook_deployment_info
  - module: platform_ops.admin.notebook_workspace
  - name: terminateDeployment (ArcGIS Enterprise Administrator API)
    description: The vendor's documentation of the operation.
    link: https://developers.arcgis.com/rest/enterprise-administration/enterprise/terminate-deployment/
'''

EXAMPLES = r'''
- name: Terminate everything a departing user still runs
  platform_ops.admin.notebook_deployment:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    owner: gis_joe
    state: absent
  register: joe

- name: Terminate one deployment
  platform_ops.admin.notebook_deployment:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    deployment_id: fa80941b7a6c4e3c9d1d2f0e6b5a4c3d
    state: terminated

- name: Terminate a user's deployments older than twelve hours, eight at a time
  platform_ops.admin.notebook_deployment:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    owner: batch_runner
    older_than_minutes: 720
    parallel: 8
'''

RETURN = r'''
terminated:
  description:
    - Ids of the deployments terminated (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: [fa80941b7a6c4e3c9d1d2f0e6b5a4c3d]
deployments:
  description:
    - The selected deployments as they were listed before anything was terminated.
  returned: always
  type: list
  elements: dict
  sample:
    - id: fa80941b7a6c4e3c9d1d2f0e6b5a4c3d
      username: gis_joe
      type: openNotebook
      dateCreated: 1732000000000
      notebookRuntimeName: ArcGIS Notebook Python 3 Standard
failed_ids:
  description:
    - Ids whose terminate failed and that were still listed afterwards.
  returned: failure
  type: list
  elements: str
  sample: [fa80941b7a6c4e3c9d1d2f0e6b5a4c3d]
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS, select_deployments, settle_terminations
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError

MAX_PARALLEL = 32


def clean_ids(ids):
    """``deployment_ids`` without blanks and the spaces around ids (``None`` stays ``None``: no id filter)."""
    return None if ids is None else [item.strip() for item in ids if item and item.strip()]


def input_problem(params):
    """The problem with the options (``deployment_ids`` cleaned by ``clean_ids``), or ``None``."""
    if params['owner'] is not None and not params['owner'].strip():
        return 'owner must name a user; leave it out to select by deployment_ids only.'
    if params['deployment_ids'] is None and not params['owner']:
        return ('Select the deployments to terminate with deployment_ids or owner (or both); '
                'older_than_minutes only narrows a selection.')
    if params['older_than_minutes'] is not None and params['older_than_minutes'] < 0:
        return 'older_than_minutes must be 0 or more, got %d.' % params['older_than_minutes']
    if not 1 <= params['parallel'] <= MAX_PARALLEL:
        return 'parallel must be between 1 and %d, got %d.' % (MAX_PARALLEL, params['parallel'])
    dots = [item for item in params['deployment_ids'] or () if item in ('.', '..')]
    if dots:
        return ('deployment_ids must hold deployment ids, not %r (a dot segment would address another '
                'resource).' % dots[0])
    return None


def terminate(module, client, selected):
    """Terminate ``selected``; returns the ids no longer running, and those of them this task terminated. Fails the
    module for those still listed after a failure.

    After failures the deployments are listed once more, and the failures judged by ``settle_terminations``.
    """
    params = module.params
    ids = [entry['id'] for entry in selected]
    failures = client.terminate_deployments(ids, parallel=params['parallel'])
    if not failures:
        return ids, ids
    try:
        listed = {entry['id'] for entry in client.list_deployments()}
    except ApiError as error:
        # Those that answered success are terminated: say so, rather than a failure that changed nothing.
        done = [deployment_id for deployment_id in ids if deployment_id not in failures]
        module.mark_changed(bool(done))
        module.fail_from(error, terminated=done, failed_ids=sorted(failures))
    ours, others, still = settle_terminations(module, ids, failures, listed)
    done = [deployment_id for deployment_id in ids if deployment_id in ours or deployment_id in others]
    if still:
        first = failures[still[0]]
        msg = '%d of %d notebook deployments could not be terminated (%s); the first error: %s' % (
            len(still), len(ids), ', '.join(still[:10]) + (', ...' if len(still) > 10 else ''), first)
        module.mark_changed(bool(ours))
        module.report(before=dict(deployments=sorted(ids)), after=dict(deployments=sorted(still)), changed=bool(ours))
        details = first.as_result()
        details.update(terminated=done, failed_ids=still)
        module.fail(msg, **details)
    return done, ours


def main():
    module = PlatformModule(ARCGIS, dict(
        state=dict(type='str', default='absent', choices=['absent', 'terminated']),
        deployment_ids=dict(type='list', elements='str', aliases=['deployment_id']),
        owner=dict(type='str'),
        older_than_minutes=dict(type='int'),
        parallel=dict(type='int', default=4),
    ), initial=dict(terminated=[]))
    params = module.params
    params['deployment_ids'] = clean_ids(params['deployment_ids'])
    module.require(input_problem(params))
    with module.connect(pool_maxsize=params['parallel']) as client:
        selected = select_deployments(client.list_deployments(), deployment_ids=params['deployment_ids'],
                                      owner=params['owner'], older_than_minutes=params['older_than_minutes'])
        module.result['deployments'] = selected
        ids = ours = [entry['id'] for entry in selected]
        if ids and not module.check_mode:
            module.result['terminated'], ours = terminate(module, client, selected)
        elif ids:
            module.result['terminated'] = ids
    module.report(before=dict(deployments=sorted(ids)), after=dict(deployments=[]), changed=bool(ours))
    module.done()


if __name__ == '__main__':
    main()
