// Parsing of webhook and email actions (SPEC 19.8) is strict like the other action types: what is wrong is a problem
// of its file at its line and column, with the fix; good actions show in the job's JSON as written.
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../shared/model/problem.js';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { jobJson } from '../../main/jobs/job-json.js';
import { jobFolder } from '../helpers/folders.js';

function problems(files: Record<string, string>): string[] {
  const result = loadJobFolder(jobFolder(files), {
    now: Date.parse('2024-06-03T12:00:00Z'),
    calendarsDir: null,
  });
  return result.problems.map(formatProblem);
}

const action = (yaml: string): Record<string, string> => ({
  'j.yaml': `params: [date]\nprogram: {type: no-op}\naction:\n${yaml}`,
});

describe('webhook and email actions in job files', () => {
  it('load as written, with the default if: the finished states', () => {
    const dir = jobFolder(
      action(
        [
          '  - type: webhook',
          '    url: https://hooks.example.com/T0/B0',
          '    headers: {X-Team: ops, Authorization: Bearer abc}',
          '    body: \'{"text": "{{ job_id }} {{ run_id }} {{ state }} {{ date }}"}\'',
          '  - {type: email, to: ops@example.com, subject: "{{ job_id }} {{ state }}", if: {states: [failure, error]}}',
          '',
        ].join('\n'),
      ),
    );
    const result = loadJobFolder(dir, { now: Date.parse('2024-06-03T12:00:00Z'), calendarsDir: null });
    expect(result.problems).toEqual([]);
    const job = result.jobs.get('j');
    expect(jobJson(job as NonNullable<typeof job>, 0, false).action).toEqual([
      {
        type: 'webhook',
        url: 'https://hooks.example.com/T0/B0',
        body: '{"text": "{{ job_id }} {{ run_id }} {{ state }} {{ date }}"}',
        headers: { 'X-Team': 'ops', Authorization: 'Bearer abc' },
        if: { states: ['success', 'failure', 'error', 'skipped'] },
      },
      {
        type: 'email',
        to: ['ops@example.com'],
        subject: '{{ job_id }} {{ state }}',
        if: { states: ['failure', 'error'] },
      },
    ]);
  });

  it('refuses unknown keys, missing and wrong fields, each at its place and with the fix', () => {
    expect(problems(action('  - {type: webhook, url: "https://x.example", retries: 5}\n'))).toEqual([
      "j.yaml:4:47: unexpected key 'retries' in webhook action; allowed keys: type, url, body, headers, if",
    ]);
    expect(problems(action('  - {type: webhook}\n'))).toEqual([
      "j.yaml:4:5: webhook action is missing 'url'; add url: the http(s) address to POST to",
    ]);
    expect(problems(action('  - {type: webhook, url: "ftp://x.example/a"}\n'))).toEqual([
      "j.yaml:4:26: webhook url must be an http: or https: URL of at most 2048 characters, got 'ftp://x.example/a'",
    ]);
    expect(problems(action('  - {type: webhook, url: "not a url"}\n'))).toHaveLength(1);
    expect(problems(action('  - {type: webhook, url: "https://u:p@x.example/"}\n'))).toEqual([
      'j.yaml:4:26: webhook url must not carry a user or password; send credentials in headers',
    ]);
    expect(
      problems(action(`  - {type: webhook, url: "https://x.example/${'a'.repeat(2100)}"}\n`)),
    ).toHaveLength(1);
    expect(
      problems(action('  - {type: webhook, url: "https://x.example", headers: {Idempotency-Key: k}}\n')),
    ).toEqual(["j.yaml:4:57: webhook header 'Idempotency-Key' is set by the engine; remove it"]);
    expect(
      problems(action('  - {type: webhook, url: "https://x.example", headers: {"bad name": v}}\n')),
    ).toEqual(["j.yaml:4:57: webhook header name must be a token such as X-Team, got the string 'bad name'"]);
    expect(problems(action('  - {type: webhook, url: "https://x.example", headers: [a]}\n'))).toEqual([
      'j.yaml:4:56: webhook headers must be a mapping of header names to values, got a list',
    ]);
    expect(problems(action('  - {type: email}\n'))).toEqual([
      "j.yaml:4:5: email action is missing 'to'; add to: an address or a list of addresses",
    ]);
    expect(
      problems(action('  - {type: email, to: [ops@example.com, "x@y\\r\\nRCPT TO:<z@w>"]}\n')),
    ).toHaveLength(1);
    expect(problems(action('  - {type: email, to: ops, cc: x@y.z}\n'))).toEqual([
      "j.yaml:4:23: email to: 'ops' is not an address such as ops@example.com",
      "j.yaml:4:28: unexpected key 'cc' in email action; allowed keys: type, to, subject, if",
    ]);
  });

  it('checks templates at load: unknown names, syntax, and size', () => {
    expect(problems(action('  - {type: webhook, url: "https://x.example", body: "{{ nope }}"}\n'))).toEqual([
      expect.stringMatching(/^j\.yaml:4:\d+: .*name 'nope' is not defined/),
    ]);
    expect(problems(action('  - {type: email, to: a@b.c, subject: "{{ job_id "}\n'))).toEqual([
      expect.stringMatching(/^j\.yaml:4:\d+: .*template syntax error/),
    ]);
    expect(problems(action(`  - {type: email, to: a@b.c, subject: "${'s'.repeat(999)}"}\n`))).toEqual([
      'j.yaml:4:39: email subject is 999 characters; at most 998',
    ]);
  });
});
