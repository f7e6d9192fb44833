# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dcs_sessions and dcs_sessions_info over many instances in one task (instance_ids, instances, parallel) against
the DCS simulator: the same kills and requests as one task per instance, a failing instance that hides no other,
max_fail_percentage, check mode, and back-pressure when the service answers 429."""

from __future__ import annotations

from dcs_support import (  # pylint: disable=unused-import
    DCS, EAST, INFO, NORTH, SESSIONS, dcs, dcs_server, region_b, region_b_server,
)

SESSION_COUNT = 6


def idle(index):
    return 7200 if index % 2 else 5


def fleet(dcs, count=12, project=None):
    dcs.sim.instances.clear()
    return dcs.sim.add_fleet(project or EAST, count, kind='single', sessions=SESSION_COUNT, idle=idle)


def many(dcs, ids, **extra):
    args = dcs.args(project_id=EAST, instance_ids=ids, all_nodes=True, idle_longer_than=3600)
    del args['instance_id']
    args.update(extra)
    return args


def idle_left(dcs, ids):
    return sum(1 for instance_id in ids for node in dcs.sim.session_node_ids(instance_id)
               for session in dcs.sim.sessions_of(instance_id, node) if session['idle'] > 3600)


def test_one_task_kills_what_one_task_per_instance_kills_with_the_same_requests(ansible, dcs):
    ids = fleet(dcs)
    serial = {}
    for instance_id in ids:
        run = ansible.module(SESSIONS, dcs.args(project_id=EAST, instance_id=instance_id, all_nodes=True,
                                                idle_longer_than=3600))
        assert run.rc == 0, run.output
        serial[instance_id] = sorted(run.result['killed'])
    serial_requests = len(dcs.sim.logged())
    assert idle_left(dcs, ids) == 0

    ids = fleet(dcs)
    dcs.sim.clear_log()
    run = ansible.module(SESSIONS, many(dcs, ids, parallel=8))
    assert run.rc == 0, run.output
    assert run.result['changed'] is True and idle_left(dcs, ids) == 0
    assert [entry['instance_id'] for entry in run.result['instances']] == ids
    assert {entry['instance_id']: sorted(entry['killed']) for entry in run.result['instances']} == serial
    assert all(entry['changed'] is True and len(entry['sessions']) == SESSION_COUNT for entry in run.result['instances'])
    assert sorted(run.result['killed']) == sorted(address for killed in serial.values() for address in killed)
    assert {session['instance_id'] for session in run.result['sessions']} == set(ids)
    assert len(dcs.sim.logged()) == serial_requests
    # Several instances were under way at once: their scans overlap.
    scans = sorted(entry['time'] for entry in dcs.sim.logged(method='POST', path='/clients$'))
    assert scans[7] - scans[0] < 0.5, scans

    dcs.sim.clear_log()
    again = ansible.module(SESSIONS, many(dcs, ids, parallel=8))
    assert again.rc == 0 and again.result['changed'] is False and again.result['killed'] == []
    assert dcs.kills() == []


def test_check_mode_and_diff_over_many_instances_send_no_kill(ansible, dcs):
    ids = fleet(dcs, 5)
    run = ansible.module(SESSIONS, many(dcs, ids, parallel=4), check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is True and len(run.result['killed']) == 5 * SESSION_COUNT // 2
    assert [entry['path'].rsplit('/', 1)[1] for entry in dcs.sim.writes()] == ['clients'] * 10  # scans only (2 nodes each)
    assert dcs.kills() == [] and idle_left(dcs, ids) == 5 * SESSION_COUNT // 2
    before, after = run.result['diff']['before']['sessions'], run.result['diff']['after']['sessions']
    assert sorted(before) == sorted(after) == sorted(ids)
    for instance_id in ids:
        assert sum(len(addresses) for addresses in before[instance_id].values()) == SESSION_COUNT
        assert sum(len(addresses) for addresses in after[instance_id].values()) == SESSION_COUNT // 2


def test_a_failing_instance_is_reported_without_hiding_the_others(ansible, dcs):
    ids = fleet(dcs, 6)
    broken = ids[2]
    dcs.sim.add_fault(path='/instances/%s/logical-nodes' % broken, status=403, count=-1,
                      body={'error_code': 'DCS.4001', 'error_msg': 'No permission on this instance.'})
    run = ansible.module(SESSIONS, many(dcs, ids, parallel=3))
    assert run.result['failed'] is True and run.result['changed'] is True
    assert run.result['msg'].startswith('1 of 6 DCS instances failed; the first error: Listing the nodes of DCS '
                                        'instance %s failed' % broken), run.result['msg']
    assert 'DCS.4001' in run.result['msg']
    by_id = {entry['instance_id']: entry for entry in run.result['instances']}
    assert by_id[broken]['failed'] is True and by_id[broken]['http_status'] == 403
    assert by_id[broken]['error_code'] == 'DCS.4001' and by_id[broken]['changed'] is False
    for instance_id in ids:
        if instance_id != broken:
            assert by_id[instance_id]['changed'] is True and 'failed' not in by_id[instance_id]
    assert idle_left(dcs, ids) == SESSION_COUNT // 2  # only the broken instance's


def test_max_fail_percentage_stops_starting_instances(ansible, dcs):
    ids = fleet(dcs, 5)
    dcs.sim.add_fault(path='/logical-nodes', status=500, count=2, body={'error_code': 'DCS.5000', 'error_msg': 'x'})
    run = ansible.module(SESSIONS, many(dcs, ids, parallel=1, max_fail_percentage=10, retries=0))
    assert run.result['failed'] is True
    assert run.result['msg'].startswith('1 of 5 DCS instances failed and 4 were not started (max_fail_percentage)')
    assert [bool(entry.get('skipped')) for entry in run.result['instances']] == [False, True, True, True, True]
    assert len(dcs.sim.logged()) == 1


def test_instances_in_two_projects_and_regions(ansible, dcs, region_b):
    east = fleet(dcs, 3)
    region_b.sim.instances.clear()
    north = region_b.sim.add_fleet(NORTH, 2, kind='proxy', sessions=SESSION_COUNT, idle=idle)
    args = many(dcs, None)
    del args['instance_ids']
    args['instances'] = [dict(id=instance_id) for instance_id in east] + [
        dict(id=instance_id, project_id=NORTH, region='cn-north-4', endpoint=region_b.url) for instance_id in north]
    run = ansible.module(INFO, args)
    assert run.rc == 0, run.output
    assert [(entry['instance_id'], entry['project_id']) for entry in run.result['instances']] == \
        [(instance_id, EAST) for instance_id in east] + [(instance_id, NORTH) for instance_id in north]
    assert [entry['total'] for entry in run.result['instances']] == [SESSION_COUNT] * 3 + [2 * SESSION_COUNT] * 2
    assert run.result['total'] == 7 * SESSION_COUNT and len(run.result['sessions']) == 7 * SESSION_COUNT // 2
    assert all(entry['path'].startswith('/v2/%s/' % NORTH) for entry in region_b.sim.logged())
    assert all(entry['path'].startswith('/v2/%s/' % EAST) for entry in dcs.sim.logged())

    killed = ansible.module(SESSIONS, args)
    assert killed.rc == 0 and killed.result['changed'] is True, killed.output
    assert idle_left(dcs, east) == 0 and idle_left(region_b, north) == 0


def test_a_burst_of_429_slows_the_pool_down_and_fails_no_instance(ansible, dcs):
    ids = fleet(dcs, 16)
    # The service answers a burst of session-list reads with 429 and Retry-After: 1.
    dcs.sim.add_fault(path='/clients$', method='GET', status=429, count=3, headers={'Retry-After': '1'},
                      body={'error_code': 'APIGW.0308', 'error_msg': 'The request is throttled.'})
    run = ansible.module(INFO, many(dcs, ids, parallel=8))
    assert run.rc == 0, run.output
    assert all('failed' not in entry for entry in run.result['instances'])
    assert run.result['total'] == 16 * SESSION_COUNT
    log = dcs.sim.logged()
    throttled = [entry['time'] for entry in log if entry['fault']]
    assert len(throttled) == 3
    # After a 429, the other workers waited too: nothing reached the service in the second it asked for (requests
    # already on the wire when the 429 was answered aside).
    for moment in throttled:
        assert not [entry for entry in log if moment + 0.25 < entry['time'] < moment + 0.9], moment


def test_bad_many_instance_options_fail_before_any_request(ansible, dcs):
    ids = fleet(dcs, 2)
    cases = [
        (dict(parallel=0), 'parallel must be between 1 and 64, got 0.'),
        (dict(parallel=65), 'parallel must be between 1 and 64, got 65.'),
        (dict(max_fail_percentage=101), 'max_fail_percentage must be between 0 and 100, got 101.'),
        (dict(instance_ids=[ids[0], ids[0]]), 'Instance %s is listed twice; list each instance once.' % ids[0]),
        (dict(instance_ids=[]), 'instance_ids must list at least one instance.'),
        (dict(instance_ids=['..']), "instance_ids must be an id, not '..' (a dot segment would address another "
                                    "resource)."),
        (dict(all_nodes=False, node_id='n1'),
         'node_id names a node of one instance: give it with instance_id, or all_nodes=true for many instances.'),
        (dict(instance_ids=None, instances=[dict(id=ids[0], region='Nowhere 1')]),
         "The region of instance %s must be a region name such as ap-southeast-1; got 'Nowhere 1'." % ids[0]),
        (dict(instance_ids=None, instances=[dict(id=ids[0], endpoint='ftp://dcs.example.com')]),
         "endpoint must be a URL such as https://dcs.ap-southeast-1.myhuaweicloud.com; got 'ftp://dcs.example.com'."),
        (dict(instance_id=ids[0]), 'parameters are mutually exclusive: instance_id|instance_ids|instances'),
    ]
    for extra, message in cases:
        args = many(dcs, ids, **extra)
        args = {key: value for key, value in args.items() if value is not None}
        run = ansible.module(SESSIONS, args)
        assert run.result['failed'] is True and run.result['msg'] == message, (extra, run.result['msg'])
    assert dcs.sim.logged() == []
