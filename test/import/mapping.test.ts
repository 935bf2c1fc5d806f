// Apsis's bound programs, conditions, actions and ad hoc jobs as ours (SPEC 6.1, 8, 9, 10.4, 18.6): exact, or refused
// with the reason. The JSON below is shaped by the to_jso() methods of Apsis 1.1.2 (python/apsis/program/,
// cond/, actions/, jobs.py).
import { describe, expect, it } from 'vitest';
import { mapAdHocJob } from '../../main/import/ad-hoc-jobs.js';
import { mapAction, mapCondition } from '../../main/import/apsis-conditions.js';
import { mapProgram } from '../../main/import/apsis-programs.js';

const STOP = { signal: 'SIGTERM', grace_period: 60 };

describe('Apsis programs', () => {
  it('maps the agent, process, Procstar, no-op and internal programs', () => {
    expect(
      mapProgram({
        type: 'apsis.program.agent.BoundAgentProgram',
        argv: ['/bin/bash', '-c', 'echo hi'],
        host: null,
        user: 'etl',
        stop: { signal: 9, grace_period: 5 },
        timeout: { duration: 30, signal: 'SIGINT' },
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'program',
        argv: ['/bin/bash', '-c', 'echo hi'],
        user: 'etl',
        timeout: { duration: 30, signal: 'SIGINT' },
        stop: { signal: 'SIGKILL', grace_period: 5 },
      },
    });
    expect(mapProgram({ type: 'apsis.program.process.BoundProcessProgram', argv: ['true'] })).toEqual({
      ok: true,
      value: { type: 'program', argv: ['true'], stop: STOP },
    });
    expect(
      mapProgram({
        type: 'apsis.program.procstar.agent.BoundProcstarProgram',
        argv: ['/usr/bin/bash', '-c', 'date'],
        group_id: 'default',
        sudo_user: 'ops',
        stop: { signal: 'SIGUSR1' },
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'program',
        argv: ['/usr/bin/bash', '-c', 'date'],
        user: 'ops',
        stop: { signal: 'SIGUSR1', grace_period: 60 },
      },
    });
    expect(
      mapProgram({ type: 'apsis.program.noop.BoundNoOpProgram', duration: '90s', success: null }),
    ).toEqual({
      ok: true,
      value: { type: 'no-op', duration: 90, success: null },
    });
    expect(mapProgram({ type: 'apsis.program.noop.BoundNoOpProgram', duration: null })).toEqual({
      ok: true,
      value: { type: 'no-op', duration: null, success: true },
    });
    expect(mapProgram({ type: 'apsis.program.internal.stats.StatsProgram', path: null })).toEqual({
      ok: true,
      value: { type: 'apsis.program.internal.stats.StatsProgram', path: null },
    });
    expect(
      mapProgram({
        type: 'apsis.program.internal.archive.ArchiveProgram',
        age: 86400,
        path: '/a.db',
        count: 10,
        chunk_size: 5,
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'apsis.program.internal.archive.ArchiveProgram',
        age: 86400,
        path: '/a.db',
        count: 10,
        chunk_size: 5,
        chunk_sleep: null,
      },
    });
    expect(mapProgram({ type: 'apsis.program.internal.vacuum.VacuumProgram' })).toEqual({
      ok: true,
      value: { type: 'apsis.program.internal.vacuum.VacuumProgram' },
    });
  });

  it('refuses what has no exact counterpart, saying why', () => {
    const agent = { type: 'apsis.program.agent.BoundAgentProgram', argv: ['true'], user: null };
    // Hosts and Procstar groups run over SSH here (SPEC 24, 6.1).
    expect(mapProgram({ ...agent, host: 'batch1' })).toEqual({
      ok: true,
      value: {
        type: 'program',
        argv: ['true'],
        host: 'batch1',
        stop: { signal: 'SIGTERM', grace_period: 60 },
      },
    });
    expect(
      mapProgram({
        type: 'apsis.program.procstar.agent.BoundProcstarProgram',
        argv: ['true'],
        group_id: 'gpu',
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'program',
        argv: ['true'],
        group_id: 'gpu',
        stop: { signal: 'SIGTERM', grace_period: 60 },
      },
    });
    expect(mapProgram({ type: 'mycompany.programs.Spark', job: 'x' })).toEqual({
      ok: false,
      reason: 'its program type "mycompany.programs.Spark" has no counterpart in Apsis Console',
    });
    expect(mapProgram({ ...agent, host: null, cwd: '/tmp' })).toEqual({
      ok: false,
      reason: 'program has unexpected keys: cwd',
    });
    expect(mapProgram({ ...agent, host: null, argv: 'true' })).toEqual({
      ok: false,
      reason: 'program.argv is the string "true", not a list of strings',
    });
    expect(mapProgram({ ...agent, host: null, stop: { signal: 'SIGNOPE' } })).toEqual({
      ok: false,
      reason: 'program.stop.signal "SIGNOPE" is not a signal',
    });
    expect(mapProgram({ type: 'apsis.program.noop.BoundNoOpProgram', duration: 'soon' })).toEqual({
      ok: false,
      reason: 'its no-op duration "soon" is not a duration',
    });
    expect(mapProgram(['true'])).toEqual({ ok: false, reason: 'program is a list, not an object' });
  });
});

describe('Apsis conditions and actions', () => {
  it('maps bound conditions: dependency, max_running, skip_duplicate, const', () => {
    expect(
      mapCondition({ type: 'dependency', job_id: 'etl/load', args: { date: '2026-12-01', b: 'x' } }),
    ).toEqual({
      ok: true,
      value: {
        type: 'dependency',
        job_id: 'etl/load',
        args: { b: 'x', date: '2026-12-01' },
        states: ['success'],
      },
    });
    expect(
      mapCondition({
        type: 'dependency',
        job_id: 'j',
        args: {},
        states: ['success', 'failure'],
        exist: ['success', 'failure', 'running'],
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'dependency',
        job_id: 'j',
        args: {},
        states: ['success', 'failure'],
        exist: ['success', 'failure', 'running'],
      },
    });
    expect(
      mapCondition({
        type: 'apsis.cond.max_running.BoundMaxRunning',
        count: '2',
        job_id: 'j',
        args: { a: '1' },
      }),
    ).toEqual({ ok: true, value: { type: 'max_running', count: 2, job_id: 'j', args: { a: '1' } } });
    expect(
      mapCondition({
        type: 'apsis.cond.skip_duplicate.BoundSkipDuplicate',
        check_states: ['waiting', 'running'],
        target_state: 'skipped',
        instance: { job_id: 'j', args: {} },
        run_id: 'r9',
      }),
    ).toEqual({
      ok: true,
      value: { type: 'skip_duplicate', check_states: ['waiting', 'running'], target_state: 'skipped' },
    });
    expect(mapCondition({ type: 'const', value: false })).toEqual({
      ok: true,
      value: { type: 'const', value: false },
    });
    expect(mapCondition({ type: 'apsis.cond.test.TestCondition', x: 1 })).toEqual({
      ok: false,
      reason: 'condition type "apsis.cond.test.TestCondition" has no counterpart in Apsis Console',
    });
    expect(mapCondition({ type: 'dependency', job_id: 'j', args: {}, states: ['done'] })).toEqual({
      ok: false,
      reason: 'condition.states holds the string "done", which is not a run state',
    });
  });

  it('maps schedule actions, their `if` included, and refuses other types', () => {
    expect(
      mapAction({
        type: 'schedule',
        job_id: 'report',
        args: { date: '{{ date }}' },
        if: { states: ['failure'] },
      }),
    ).toEqual({
      ok: true,
      value: {
        type: 'schedule',
        job_id: 'report',
        args: { date: '{{ date }}' },
        if: { states: ['failure'] },
      },
    });
    expect(mapAction({ type: 'schedule', job_id: 'report', args: {} })).toEqual({
      ok: true,
      value: {
        type: 'schedule',
        job_id: 'report',
        args: {},
        if: { states: ['success', 'failure', 'error', 'skipped'] },
      },
    });
    expect(mapAction({ type: 'apsis.actions.test.SleepThreadAction', duration: 1, if: null })).toEqual({
      ok: false,
      reason: 'action type "apsis.actions.test.SleepThreadAction" has no counterpart in Apsis Console',
    });
  });
});

describe("Apsis's ad hoc jobs", () => {
  it('become ours when Apsis Console accepts the job, with Apsis-only keys and nulls left out', () => {
    // Job.to_jso() of an ad hoc job posted to Apsis: a shell program, a max_running condition with its nulls.
    const apsisJob = {
      job_id: 'adhoc-AbCdEfGhIjKl',
      params: ['who'],
      schedule: [],
      program: { type: 'shell', command: 'echo hello {{ who }}' },
      condition: [{ type: 'max_running', count: '1', job_id: null, args: null }],
      action: [],
      metadata: { labels: ['demo'] },
      ad_hoc: true,
    };
    expect(mapAdHocJob('adhoc-AbCdEfGhIjKl', JSON.stringify(apsisJob))).toEqual({
      ok: true,
      value: {
        params: ['who'],
        program: { type: 'shell', command: 'echo hello {{ who }}' },
        condition: [{ type: 'max_running', count: '1' }],
        metadata: { labels: ['demo'] },
      },
    });
  });

  it('are refused with the reason when Apsis Console does not accept them', () => {
    const job = { params: [], schedule: [], program: { type: 'mycompany.Spark' }, ad_hoc: true };
    const mapped = mapAdHocJob('adhoc-x', JSON.stringify(job));
    expect(mapped.ok).toBe(false);
    expect(!mapped.ok && mapped.reason).toMatch(/^Apsis Console does not accept it: .*mycompany\.Spark/);
    expect(mapAdHocJob('adhoc-x', '{"job_id": "adhoc-y", "program": "true"}')).toEqual({
      ok: false,
      reason: 'its JSON names another job ID, "adhoc-y"',
    });
    expect(mapAdHocJob('adhoc-x', 'not json')).toEqual({
      ok: false,
      reason: 'its job column is not a JSON object',
    });
  });
});
