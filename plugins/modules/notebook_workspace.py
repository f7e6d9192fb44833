#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: notebook_workspace
short_description: Delete or transfer a user's ArcGIS Enterprise notebook workspace
version_added: 1.0.0
description:
  - Deletes a user's notebook workspace, or transfers it into another user's workspace, with the data access API
    of ArcGIS Enterprise (on Kubernetes) 11.5 and later (C(<url>/notebooks/admin/dataaccess)).
  - Reads first - C(listUserWorkspaces) and the deployment list. A workspace that is not listed is already gone
    (deleted, or transferred earlier), so the task changes nothing.
  - The server refuses to delete or transfer a workspace while its owner has running deployments. With
    O(terminate_deployments=false) the module fails before sending any write and names the running deployments.
    With O(terminate_deployments=true) it terminates them, waits until they are no longer listed
    (O(wait_timeout)), then deletes or transfers the workspace.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  owner:
    description:
      - The user whose workspace is deleted or transferred.
    type: str
    required: true
  state:
    description:
      - V(absent) deletes the workspace permanently (C(deleteUserWorkspace)).
      - V(transferred) moves it into the workspace of O(target_owner) (C(transferUserWorkspace)).
    type: str
    required: true
    choices: [absent, transferred]
  target_owner:
    description:
      - The user who receives the workspace. Required with O(state=transferred).
    type: str
  target_folder:
    description:
      - The folder in the workspace of O(target_owner) that receives the files.
      - Defaults to the name of O(owner).
    type: str
  terminate_deployments:
    description:
      - Terminate the running deployments of O(owner) first, instead of failing.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, after terminating, for the deployments to be no longer listed (at most V(86400)).
    type: int
    default: 300
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.arcgis_group
attributes:
  check_mode:
    support: full
    details:
      - Reads the workspaces and deployments and reports what would be terminated, deleted or transferred; sends
        no write. It fails like a real run would when deployments are running and O(terminate_deployments=false).
  diff_mode:
    support: full
    details:
      - Shows where the workspace is and which deployments of the owner run, before and after.
notes:
  - Only the default administrator role may delete or transfer workspaces.
  - Deleting a workspace removes the user's files permanently; transferring keeps them for O(target_owner).
  - When the delete or transfer request fails, the workspaces are listed again. A workspace that is no longer
    listed is gone - by this request when its answer was unclear (connection cut, read timeout, an HTTP 5xx other
    than 503, an HTTP 200 whose body is not JSON; C(changed=true), with a warning), or by another task at the same
    time when the server refused the request (C(changed=false), with a warning) - and the task succeeds.
seealso:
  - module: platform_ops.admin.notebook_deployment
  - name: deleteUserWorkspace (ArcGIS Enterprise notebook data access)
    description: The vendor's documentation of the operation.
    link: https://developers.arcgis.com/rest/enterprise-administration/notebook/delete-user-workspace/
'''

EXAMPLES = r'''
- name: Hand a departing analyst's notebooks to the manager, stopping what still runs
  platform_ops.admin.notebook_workspace:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    owner: gis_joe
    state: transferred
    target_owner: gis_ann
    target_folder: from_gis_joe
    terminate_deployments: true

- name: Delete a test account's workspace (fails if it still runs notebooks)
  platform_ops.admin.notebook_workspace:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    owner: qa_robot
    state: absent
'''

RETURN = r'''
owner:
  description:
    - The user whose workspace was handled.
  returned: always
  type: str
  sample: gis_joe
terminated:
  description:
    - Ids of the deployments of O(owner) that were terminated first (in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: [fa80941b7a6c4e3c9d1d2f0e6b5a4c3d]
running_deployments:
  description:
    - Ids of the deployments of O(owner) that were running when the workspace was read.
  returned: always
  type: list
  elements: str
  sample: [fa80941b7a6c4e3c9d1d2f0e6b5a4c3d]
target_owner:
  description:
    - The user who received the workspace.
  returned: when O(state=transferred)
  type: str
  sample: gis_ann
target_folder:
  description:
    - The folder that received the files.
  returned: when O(state=transferred)
  type: str
  sample: from_gis_joe
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS, MAX_WAIT_TIMEOUT, settle_terminations
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import UNCLEAR, ApiError

TERMINATE_PARALLEL = 4


def input_problem(params):
    """The problem with the options, or ``None``."""
    if not params['owner'] or not params['owner'].strip():
        return 'owner must name a user.'
    if params['state'] == 'transferred':
        if not params['target_owner']:
            return 'state=transferred needs target_owner, the user who receives the workspace.'
        if params['target_owner'] == params['owner']:
            return 'target_owner must differ from owner (%s).' % params['owner']
        if params['target_folder'] is not None and not params['target_folder'].strip():
            return 'target_folder must not be empty.'
    elif params['target_owner'] or params['target_folder']:
        return 'target_owner and target_folder apply to state=transferred only.'
    if not 0 <= params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        return 'wait_timeout must be between 0 and %d seconds, got %d.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    return None


def terminate_running(module, client, running):
    """Terminate ``running`` and wait until none is listed; fails the module otherwise.

    ``module.result['terminated']`` receives the ids terminated as soon as they are, so a later failure still
    reports the change.
    """
    owner = module.params['owner']
    done = module.result['terminated']
    failures = client.terminate_deployments(running, parallel=TERMINATE_PARALLEL)
    done.extend(deployment_id for deployment_id in running if deployment_id not in failures)
    module.mark_changed(bool(done))
    if failures:
        listed = {entry['id'] for entry in client.list_deployments()}
        ours, _others, still = settle_terminations(module, running, failures, listed)
        done.extend(deployment_id for deployment_id in running if deployment_id in failures and deployment_id not in still)
        module.mark_changed(bool(ours))
        if still:
            module.fail('The workspace of %s was left in place: %d running deployments could not be terminated (%s); '
                        'the first error: %s' % (owner, len(still), ', '.join(still), failures[still[0]]),
                        failed_ids=still)
    remaining = client.wait_until_not_listed(running, module.params['wait_timeout'], owner=owner)
    if remaining:
        module.fail('The workspace of %s was left in place: its deployments %s were terminated but were still listed '
                    'after %d seconds (wait_timeout).' % (owner, ', '.join(remaining), module.params['wait_timeout']))


def remove_workspace(module, client, owner, transfer, folder):
    """Delete or transfer the workspace; returns whether this task's request did it.

    An unclear answer is settled by the frame's rule: the workspaces are listed again, and a workspace no longer
    listed was removed by this request (changed, with a warning). A refused request is looked into as well: a
    workspace no longer listed was removed by someone else meanwhile (two tasks at once: not changed, with a
    warning). One still listed fails the task with the request's error.
    """
    what = '%s of the workspace of %s' % ('the transfer' if transfer else 'the deletion', owner)
    if transfer:
        def send():
            return client.transfer_workspace(owner, module.params['target_owner'], folder)
    else:
        def send():
            return client.delete_workspace(owner)
    try:
        module.write(what, send, lambda: owner not in client.list_workspaces(),
                     shown=lambda _gone: 'the workspace is no longer listed, so it is reported as removed',
                     not_shown='the workspace is still listed')
        return True
    except ApiError as error:
        if error.outcome == UNCLEAR:
            raise
        try:
            still_listed = owner in client.list_workspaces()
        except ApiError:
            raise error from None
        if still_listed:
            raise
        module.warn('The workspace of %s went away while this task was removing it (someone else deleted or '
                    'transferred it; the server said: %s); it is absent.' % (owner, error.vendor_message or error.answer()))
        return False


def main():
    module = PlatformModule(ARCGIS, dict(
        owner=dict(type='str', required=True),
        state=dict(type='str', required=True, choices=['absent', 'transferred']),
        target_owner=dict(type='str'),
        target_folder=dict(type='str'),
        terminate_deployments=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    ))
    params = module.params
    module.require(input_problem(params))
    owner = params['owner']
    transfer = params['state'] == 'transferred'
    folder = params['target_folder'] or owner
    module.result.update(owner=owner, terminated=[], running_deployments=[])
    if transfer:
        module.result.update(target_owner=params['target_owner'], target_folder=folder)
    with module.connect(pool_maxsize=TERMINATE_PARALLEL) as client:
        if owner not in client.list_workspaces():
            module.done()
        running = [entry['id'] for entry in client.list_deployments() if entry.get('username') == owner]
        module.result.update(running_deployments=running)
        if running and not params['terminate_deployments']:
            module.fail('The workspace of %s cannot be %s while the user has running notebook deployments (%s); nothing '
                        'was changed. Terminate them first (platform_ops.admin.notebook_deployment) or set '
                        'terminate_deployments=true.' % (owner, 'transferred' if transfer else 'deleted', ', '.join(running)))
        after = dict(workspace='%s/%s' % (params['target_owner'], folder) if transfer else None, deployments=[])
        module.report(before=dict(workspace=owner, deployments=running), after=after, changed=module.check_mode)
        if module.check_mode:
            module.done(terminated=running)
        if running:
            terminate_running(module, client, running)
        module.mark_changed(remove_workspace(module, client, owner, transfer, folder))
    module.done(terminated=running)


if __name__ == '__main__':
    main()
