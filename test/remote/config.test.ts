// Host-related job keys, settings and choices (SPEC 6.1, 14, 24.1) without SSH: Procstar types, `host`, host groups,
// host name checks, `apsis check` warnings, and the agent's wire format.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FINISHED_STATES } from '../../shared/model/states.js';
import { flattenStats, remoteHosts } from '../../shared/stats/schema.js';
import { openApp, waitFor } from '../engine/harness.js';
import { storedOutput } from '../helpers/sshd.js';
import { loadSettings, SettingsError } from '../../main/engine/settings-file.js';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { bindProgram, isProcessProgram } from '../../main/programs/bind.js';
import { AGENT_HELLO, encodeRequest, MessageReader } from '../../main/remote/agent-protocol.js';
import { chooseHost, type ChoiceContext, type HostGroup } from '../../main/remote/host-groups.js';
import { checkHostName } from '../../main/remote/ssh.js';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';

const NOW = Date.parse('2027-01-01T00:00:00Z');

function load(files: Record<string, string>) {
  return loadJobFolder(jobFolder(files), { now: NOW, calendarsDir: null });
}

describe('job files', () => {
  it('loads Procstar programs as program and shell, group_id as the host group and sudo_user as the user', () => {
    const { jobs, problems } = load({
      'ps/argv.yaml':
        'params: [n]\nprogram:\n  type: procstar\n  argv: [/bin/echo, "{{ n }}"]\n  group_id: "batch-{{ n }}"\n  sudo_user: etl\n  stop: {signal: INT}\n',
      'ps/shell.yaml': 'program: {type: procstar-shell, command: "echo hi", timeout: {duration: 5}}\n',
      'remote.yaml':
        'params: [where]\nprogram: {type: shell, command: hostname, host: "{{ where }}", user: app}\n',
      'remote-argv.yaml': 'program: {type: program, argv: [uptime], host: w1}\n',
    });
    expect(problems).toEqual([]);
    const bound = bindProgram(jobs.get('ps/argv')?.program ?? { type: 'no-op', success: true }, { n: '7' });
    expect(bound).toEqual({
      ok: true,
      program: {
        type: 'procstar',
        argv: ['/bin/echo', '7'],
        user: 'etl',
        group_id: 'batch-7',
        stop: { signal: 'SIGINT', grace_period: 60 },
      },
    });
    const remote = bindProgram(jobs.get('remote')?.program ?? { type: 'no-op', success: true }, {
      where: 'w2',
    });
    expect(remote.ok && isProcessProgram(remote.program) && remote.program.host).toBe('w2');
    expect(jobs.get('ps/shell')?.program).toMatchObject({ type: 'procstar-shell', command: 'echo hi' });
  });

  it("refuses each type's foreign keys, naming the ones allowed", () => {
    const { problems } = load({
      'a.yaml': 'program: {type: procstar, argv: [x], host: w1}\n',
      'b.yaml': 'program: {type: shell, command: x, group_id: w1}\n',
      'c.yaml': 'program: {type: shell, command: x, host: ""}\n',
      'd.yaml': 'program: {type: procstar-shell, command: x, user: bob}\n',
    });
    expect(problems.map((p) => `${p.path}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      expect.stringMatching(/^a\.yaml:1:38: .*'host'.*sudo_user, timeout, group_id, stop/),
      expect.stringMatching(/^b\.yaml:1:36: .*'group_id'.*user, timeout, host, stop/),
      'c.yaml:1:42: host is empty; name a host or host group, or remove the key',
      expect.stringMatching(/^d\.yaml:1:45: .*'user'.*sudo_user/),
    ]);
  });

  it('apsis check: only really wrong files are errors; a literal host that names no group is a warning', () => {
    const dir = jobFolder({
      'procstar/echo.yaml': 'program: {type: procstar, argv: [/bin/echo, hello]}\n',
      'procstar/grouped.yaml': 'program: {type: procstar-shell, command: "env", group_id: gpu}\n',
      'remote/literal.yaml': 'program:\n  type: shell\n  command: hostname\n  host: build-7\n',
      'remote/grouped.yaml': 'program: {type: program, argv: [uptime], host: pool}\n',
      'remote/templated.yaml': 'params: [h]\nprogram: {type: shell, command: x, host: "{{ h }}"}\n',
      'twice.yaml': 'program: {type: no-op}\naction: []\naction: []\n',
      'cond.yaml': 'program: {type: no-op}\ncondition: {type: apsis.cond.test.SomethingInternal}\n',
    });
    writeFileSync(
      join(dir, '.apsis.yaml'),
      'host_groups:\n  pool: [w1, w2]\n  gpu: {type: round-robin, hosts: [g1]}\n',
    );
    const r = spawnSync(process.execPath, [APSIS_BIN, 'check', dir], { encoding: 'utf8', timeout: 15_000 });
    expect(r.status).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^cond\.yaml:2:19: unknown condition type/),
      expect.stringMatching(/^twice\.yaml:3:1: duplicate key/),
      '5 jobs OK, 2 files with errors',
    ]);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "remote/literal.yaml:4:9: warning: host 'build-7' is not a group of host_groups, so it is passed to ssh as a host name; define the group in the settings, or leave it if ssh knows that host",
    ]);
  });
});

describe('Procstar programs without an agent', () => {
  it("run on this host when group_id is Apsis's default group and host_groups does not define it", async () => {
    const h = openApp({
      'argv.yaml': 'program: {type: procstar, argv: [/bin/echo, "from procstar"]}\n',
      'shell.yaml':
        'program: {type: procstar-shell, command: "echo $APSIS_JOB_ID; exit 4", group_id: default}\n',
    });
    try {
      const argv = await waitFor(h.app, h.app.engine.createRun('argv', {}), FINISHED_STATES);
      expect(argv.state).toBe('success');
      expect(argv.meta['program']).toMatchObject({ hostname: hostname() });
      expect(storedOutput(h.app, argv.runId)).toBe('from procstar\n');
      const shell = await waitFor(h.app, h.app.engine.createRun('shell', {}), FINISHED_STATES);
      expect(shell.state).toBe('failure');
      expect(storedOutput(h.app, shell.runId)).toBe('shell\n');
    } finally {
      await h.close();
    }
  });
});

describe('settings', () => {
  const dir = jobFolder({});
  const settings = (yaml: string, overrides: string[] = []) => {
    writeFileSync(join(dir, '.apsis.yaml'), yaml);
    return loadSettings(dir, null, overrides);
  };

  it('reads host groups in every form and the remote settings, with defaults', () => {
    const s = settings(
      'host_groups:\n  one: w1\n  any: [w1, w2]\n  rr: {type: round-robin, hosts: [a, b]}\n  rnd: {type: random, hosts: [c]}\nremote:\n  ssh_config: ssh.conf\n  max_running: 4\n',
    );
    expect(s.host_groups).toEqual({
      one: { type: 'alias', hosts: ['w1'] },
      any: { type: 'random', hosts: ['w1', 'w2'] },
      rr: { type: 'round-robin', hosts: ['a', 'b'] },
      rnd: { type: 'random', hosts: ['c'] },
    });
    expect(s.remote).toEqual({
      ssh_config: join(dir, 'ssh.conf'),
      dir: '.apsis-console',
      connect_timeout: 10,
      reconnect_for: 600,
      max_running: 4,
    });
    const o = settings('', [
      'host_groups={pool: [x, y]}',
      'remote.reconnect_for=30s',
      'remote.dir=/srv/apsis',
    ]);
    expect(o.host_groups).toEqual({ pool: { type: 'random', hosts: ['x', 'y'] } });
    expect(o.remote).toMatchObject({ reconnect_for: 30, dir: '/srv/apsis' });
  });

  it('refuses bad groups and values with the key and the fix', () => {
    const bad: [string, RegExp][] = [
      ['host_groups: {g: []}', /host_groups\.g: the group has no hosts/],
      [
        'host_groups: {g: {type: ring, hosts: [a]}}',
        /host_groups\.g: type must be round-robin or random, got "ring"/,
      ],
      [
        'host_groups: {g: [-oProxyCommand=x]}',
        /host_groups\.g: host name '-oProxyCommand=x' may not begin with '-'/,
      ],
      ['host_groups: {g: {hosts: [a], weight: 2, type: random}}', /host_groups\.g: unknown key 'weight'/],
      ['host_groups: [a]', /host_groups: must be a mapping/],
      ['remote: {max_running: 0}', /remote\.max_running: must be a whole number of at least 1/],
      ['remote: {connect_timeout: soon}', /remote\.connect_timeout: /],
      ['remote: {dir: ""}', /remote\.dir: must be a folder path/],
      ['remote: {port: 22}', /unknown setting 'remote\.port'/],
    ];
    for (const [yaml] of bad) expect(() => settings(`${yaml}\n`), yaml).toThrow(SettingsError);
    for (const [yaml, message] of bad) expect(() => settings(`${yaml}\n`), yaml).toThrow(message);
  });
});

describe('host names and choices', () => {
  it('accepts names ssh understands and refuses what could be an option or shell text', () => {
    for (const ok of ['w1', 'build-7.example.com', 'alice@host', 'fe80::1', 'a_b'])
      expect(checkHostName(ok), ok).toBeNull();
    for (const bad of ['-oProxyCommand=x', 'a b', 'a;b', '$(id)', 'a\nb', '', 'x'.repeat(256)])
      expect(checkHostName(bad), bad).not.toBeNull();
  });

  function context(
    down: string[] = [],
    full: string[] = [],
    positions: Record<string, number> = {},
  ): ChoiceContext {
    return {
      down: (h) => down.includes(h),
      free: (h) => !full.includes(h),
      position: (g) => positions[g] ?? 0,
      setPosition: (g, p) => (positions[g] = p),
      random: () => 0.99,
    };
  }

  it('round-robin goes in order, skipping hosts down or full; random picks among the open ones', () => {
    const rr: HostGroup = { type: 'round-robin', hosts: ['a', 'b', 'c'] };
    const positions: Record<string, number> = {};
    const c = context(['b'], [], positions);
    const picks = Array.from({ length: 4 }, () => chooseHost('rr', rr, c));
    expect(picks).toEqual(['a', 'c', 'a', 'c'].map((host) => ({ kind: 'host', host })));
    expect(chooseHost('rr', rr, context(['a'], ['b', 'c']))).toEqual({ kind: 'full', hosts: ['b', 'c'] });
    expect(chooseHost('rr', rr, context(['a', 'b', 'c']))).toEqual({ kind: 'down', hosts: ['a', 'b', 'c'] });
    const random: HostGroup = { type: 'random', hosts: ['a', 'b', 'c'] };
    expect(chooseHost('r', random, context(['c']))).toEqual({ kind: 'host', host: 'b' });
    expect(chooseHost('r', random, context([], ['a', 'b']))).toEqual({ kind: 'host', host: 'c' });
  });
});

describe('hosts in the stats object', () => {
  it('reads each host back from the flattened stats, dots in host names included', () => {
    const flat = flattenStats({
      version: '1',
      remote: {
        hosts: {
          'db.example.com': {
            connected: true,
            state: 'up',
            running: 2,
            launches: 5,
            failures: 0,
            rtt: 0.004,
          },
          w1: {
            connected: false,
            state: 'down',
            running: 0,
            launches: 1,
            failures: 3,
            rtt: null,
            down_since: 'T',
            error: 'refused',
          },
        },
      },
    });
    expect(remoteHosts(flat)).toEqual([
      {
        host: 'db.example.com',
        connected: true,
        state: 'up',
        running: 2,
        launches: 5,
        failures: 0,
        rtt: 0.004,
      },
      {
        host: 'w1',
        connected: false,
        state: 'down',
        running: 0,
        launches: 1,
        failures: 3,
        rtt: null,
        down_since: 'T',
        error: 'refused',
      },
    ]);
    expect(remoteHosts(flattenStats({ version: '1' }))).toEqual([]);
  });
});

describe('agent wire format', () => {
  it('reads messages split anywhere, binary bodies included, after whatever a login script printed', () => {
    const data = Buffer.concat([
      Buffer.from('Welcome to w1!\nlast login: yesterday\n'),
      Buffer.from(AGENT_HELLO),
      Buffer.from('out 3 0 5\nab\0\ncend 3 2\n{}'),
      Buffer.from('done 9 1 0\n'),
    ]);
    for (let cut = 0; cut <= data.length; cut++) {
      const reader = new MessageReader();
      const messages = [...reader.push(data.subarray(0, cut)), ...reader.push(data.subarray(cut))];
      expect(messages.map((m) => [m.head.join(' '), m.body.toString('latin1')])).toEqual([
        ['out 3 0', 'ab\0\nc'],
        ['end 3', '{}'],
        ['done 9 1', ''],
      ]);
    }
  });

  it('refuses what is not the agent', () => {
    const synced = () => {
      const reader = new MessageReader();
      reader.push(Buffer.from(AGENT_HELLO));
      return reader;
    };
    expect(() => synced().push(Buffer.from('Welcome to the host!\n'))).toThrow(/bad message header/);
    expect(() => synced().push(Buffer.alloc(300, 'x'))).toThrow(/header line too long/);
    expect(() => synced().push(Buffer.from('out 1 0 99999999\n'))).toThrow(/bad message header/);
    expect(() => new MessageReader().push(Buffer.alloc(70_000, 'x'))).toThrow(/no greeting/);
    expect(encodeRequest(['launch', 4, 0], ['name', 'a b']).toString()).toBe('launch 4 0 8\nname\0a b');
  });
});
