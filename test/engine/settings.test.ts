// Settings of SPEC 14 added for the console (SPEC 19.8): `waiting.warn_after` and the `smtp` block of email actions,
// read from the settings file and from `-o`, with an error naming the key and the fix for anything wrong.
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../main/engine/settings-file.js';
import { jobFolder } from '../helpers/folders.js';

function load(yaml: string | null, overrides: string[] = []): ReturnType<typeof loadSettings> {
  const dir = jobFolder(yaml === null ? {} : { '.apsis.yaml': yaml });
  return loadSettings(dir, null, overrides);
}

function refusal(yaml: string | null, overrides: string[] = []): string {
  try {
    load(yaml, overrides);
  } catch (e) {
    if (e instanceof SettingsError) return e.message.replace(/^\/\S+\.apsis\.yaml: /, 'FILE: ');
    throw e;
  }
  throw new Error('accepted');
}

describe('waiting.warn_after', () => {
  it('defaults to 10 minutes, takes a duration or null', () => {
    expect(load(null).waiting.warn_after).toBe(600);
    expect(load('waiting: {warn_after: 90s}\n').waiting.warn_after).toBe(90);
    expect(load('waiting: {warn_after: null}\n').waiting.warn_after).toBeNull();
    expect(load(null, ['waiting.warn_after=2h']).waiting.warn_after).toBe(7200);
  });

  it('refuses what is not a positive duration', () => {
    expect(refusal('waiting: {warn_after: soon}\n')).toMatch(/^waiting\.warn_after: /);
    expect(refusal(null, ['waiting.warn_after=0s'])).toBe('waiting.warn_after: must be a positive duration');
  });
});

describe('smtp', () => {
  it('is null by default; a block gets port 25 and no STARTTLS or login unless it says so', () => {
    expect(load(null).smtp).toBeNull();
    expect(load('smtp: {host: mail.example.com, from: apsis@example.com}\n').smtp).toEqual({
      host: 'mail.example.com',
      port: 25,
      from: 'apsis@example.com',
      starttls: false,
      user: null,
      password_env: null,
    });
    expect(
      load(
        'smtp: {host: 127.0.0.1, port: 2525, from: a@b.c, starttls: true, user: ops, password_env: SMTP_PW}\n',
      ).smtp,
    ).toEqual({
      host: '127.0.0.1',
      port: 2525,
      from: 'a@b.c',
      starttls: true,
      user: 'ops',
      password_env: 'SMTP_PW',
    });
    expect(load(null, ['smtp.host=localhost', 'smtp.from=x@y.z', 'smtp.port=587']).smtp).toMatchObject({
      host: 'localhost',
      port: 587,
    });
    expect(load('smtp: null\n').smtp).toBeNull();
  });

  it('refuses unknown keys, bad values and a block without host or sender, naming the key', () => {
    expect(refusal('smtp: {host: h, from: a@b.c, tls: true}\n')).toBe(
      "smtp: unknown key 'tls'; known keys: host, port, from, starttls, user, password_env",
    );
    expect(refusal('smtp: {host: h, from: a@b.c, port: 70000}\n')).toBe(
      'smtp.port: must be a port number from 1 to 65535',
    );
    expect(refusal('smtp: {host: h, from: "a@b.c\\r\\nRCPT TO: <x@y>"}\n')).toBe(
      'smtp.from: must be an email address such as apsis@example.com',
    );
    expect(refusal('smtp: {host: "h; rm", from: a@b.c}\n')).toBe('smtp.host: must be a host name or address');
    expect(refusal('smtp: {host: h, from: a@b.c, starttls: yes please}\n')).toBe(
      'smtp.starttls: must be true or false',
    );
    expect(refusal('smtp: {host: h, from: a@b.c, password_env: "$PW"}\n')).toMatch(/^smtp\.password_env: /);
    expect(refusal('smtp: [h]\n')).toMatch(/^smtp: must be null or a mapping/);
    expect(refusal('smtp: {from: a@b.c}\n')).toBe(
      'FILE: smtp.host is required: the SMTP server of email actions',
    );
    expect(refusal('smtp: {host: h}\n')).toBe('FILE: smtp.from is required: the sender of email actions');
    expect(refusal('smtp: {host: h, from: a@b.c, user: ops}\n')).toBe(
      'FILE: smtp.user needs smtp.password_env, the environment variable holding its password',
    );
  });
});

describe('action (global actions)', () => {
  it('reads webhook and email actions for every run from the settings file', () => {
    const s = load(
      [
        'action:',
        '  - {type: webhook, url: "https://hooks.example.com/x", if: {states: [failure, error]}}',
        '  - type: email',
        '    to: ops@example.com',
        '    subject: "{{ job_id }} {{ run_id }} {{ state }}"',
        'smtp: {host: localhost, from: a@b.c}',
        '',
      ].join('\n'),
    );
    expect(s.action).toEqual([
      {
        type: 'webhook',
        url: 'https://hooks.example.com/x',
        headers: {},
        if: { states: ['failure', 'error'] },
      },
      {
        type: 'email',
        to: ['ops@example.com'],
        subject: '{{ job_id }} {{ run_id }} {{ state }}',
        if: { states: ['success', 'failure', 'error', 'skipped'] },
      },
    ]);
    expect(load('action: []\n').action).toEqual([]);
    expect(load(null, ['action=[]']).action).toEqual([]);
  });

  it('refuses schedule actions, unknown keys and templates naming args, at their line and column', () => {
    expect(refusal('action:\n  - {type: schedule, job_id: x}\n')).toMatch(
      /\.apsis\.yaml:2:12: a global action must be a webhook or an email, not 'schedule'; put schedule actions in job files$/,
    );
    expect(refusal('action:\n  - {type: webhook, url: "https://x.example", retry: 3}\n')).toMatch(
      /\.apsis\.yaml:2:47: unexpected key 'retry' in webhook action; allowed keys: type, url, body, headers, if$/,
    );
    expect(refusal('action:\n  - {type: email, to: a@b.c, subject: "{{ date }}"}\n')).toMatch(
      /\.apsis\.yaml:2:39: email subject: name 'date' is not defined \(global actions know run_id, job_id and state\)$/,
    );
    expect(refusal(null, ['action=[{type: webhook}]'])).toBe(
      'action: write global actions in the settings file; -o can only set action=[]',
    );
  });
});
