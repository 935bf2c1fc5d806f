import { describe, expect, test } from 'vitest';
import { renderTemplate, TEMPLATE_GLOBALS, type TemplateResult } from '../../main/templating/index.js';

const ok = (value: string): TemplateResult => ({ ok: true, value });
const fails = (message: string, line?: number, col?: number): TemplateResult => ({
  ok: false,
  error: { message, ...(line === undefined ? {} : { line }), ...(col === undefined ? {} : { col }) },
});

describe('renderTemplate basics', () => {
  test('substitutes args, with no autoescaping', () => {
    expect(renderTemplate('echo {{ a }} {{ b }}', { a: '<&>', b: '"quoted" \'x\'' })).toEqual(
      ok('echo <&> "quoted" \'x\''),
    );
  });

  test('drops exactly one trailing newline', () => {
    expect(renderTemplate('echo {{ a }}\n', { a: 'x' })).toEqual(ok('echo x'));
    expect(renderTemplate('echo\n\n', {})).toEqual(ok('echo\n'));
    expect(renderTemplate('a\r\n', {})).toEqual(ok('a'));
    expect(renderTemplate('a\nb', {})).toEqual(ok('a\nb'));
  });

  test('statements, loops, macros and set work as in Jinja', () => {
    const src = '{% set xs = [1, 2] %}{% for x in xs %}{{ loop.index }}:{{ x }} {% endfor %}';
    expect(renderTemplate(src, {})).toEqual(ok('1:1 2:2 '));
    expect(renderTemplate('{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }}', {})).toEqual(
      ok('1-2'),
    );
    expect(
      renderTemplate('{% if mode == "full" %}--full{% else %}--quick{% endif %}', { mode: 'full' }),
    ).toEqual(ok('--full'));
    expect(renderTemplate('{{ "yes" if flag == "True" else "no" }}', { flag: 'True' })).toEqual(ok('yes'));
  });

  test('args override helpers; run_id and job_id are ordinary vars', () => {
    expect(renderTemplate('{{ Date }} {{ run_id }}', { Date: 'mine', run_id: 'r42' })).toEqual(
      ok('mine r42'),
    );
  });

  test('prints values as Python does', () => {
    expect(
      renderTemplate('{{ true }} {{ False }} {{ none }} {{ [1, "a", None] }} {{ {"k": 1.5} }}', {}),
    ).toEqual(ok("True False None [1, 'a', None] {'k': 1.5}"));
    expect(renderTemplate('{{ 0.1 + 0.2 }} {{ 0.00001 }} {{ 10 / 4 }}', {})).toEqual(
      ok('0.30000000000000004 1e-05 2.5'),
    );
  });

  test('the cache does not carry variables from one render to the next', () => {
    const src = '{% if first is defined %}{% endif %}{{ x }}';
    expect(renderTemplate('{% set y = x %}{{ y }}', { x: '1' })).toEqual(ok('1'));
    expect(renderTemplate('{{ x }}', { x: 'a' })).toEqual(ok('a'));
    expect(renderTemplate('{{ x }}', {})).toEqual(fails("name 'x' is not defined", 1, 4));
    expect(renderTemplate('{% set y = x %}{{ y }}', { x: '2' })).toEqual(ok('2'));
    expect(renderTemplate('{{ y }}', { x: '2' })).toEqual(fails("name 'y' is not defined", 1, 4));
    expect(renderTemplate(src, { first: '', x: 'b' })).toEqual(ok('b'));
    expect(renderTemplate(src, { x: 'c' })).toEqual(fails("name 'first' is not defined", 1, 7));
  });

  test('exports the always-defined names', () => {
    for (const name of [
      'Date',
      'Daytime',
      'Time',
      'TimeZone',
      'to_local',
      'from_local',
      'format',
      'get_calendar',
    ]) {
      expect(TEMPLATE_GLOBALS.has(name)).toBe(true);
    }
    expect(TEMPLATE_GLOBALS.has('run_id')).toBe(false);
  });
});

describe('undefined names are errors (StrictUndefined)', () => {
  test.each([
    ['output', 'x {{ missing }}', 1, 6],
    ['expression', '{{ "a" ~ missing }}', 1, 10],
    ['filter subject', '{{ missing | upper }}', 1, 4],
    ['filter argument', '{{ "a" | replace("a", missing) }}', 1, 23],
    ['attribute access', '{{ missing.attr }}', 1, 4],
    ['function call', '{{ missing(1) }}', 1, 4],
    ['call argument', '{{ Date(missing) }}', 1, 9],
    ['comparison', '{% if missing == "x" %}{% endif %}', 1, 7],
    ['condition', '{% if missing %}{% endif %}', 1, 7],
    ['loop iterable', '{% for x in missing %}{% endfor %}', 1, 13],
    ['test', '{{ missing is defined }}', 1, 4],
    ['set', '{% set y = missing %}', 1, 12],
  ])('in %s', (_what, src, line, col) => {
    expect(renderTemplate(src, { other: 'x' })).toEqual(fails("name 'missing' is not defined", line, col));
  });

  test('position on a later line', () => {
    expect(renderTemplate('first line\n  {{ ok }} {{ missing }}\n', { ok: '1' })).toEqual(
      fails("name 'missing' is not defined", 2, 15),
    );
  });

  test('undefined attributes, keys and indexes are errors', () => {
    expect(renderTemplate('{{ Date(d).yeer }}', { d: '2024-01-01' })).toEqual(
      fails("'Date' object has no attribute 'yeer'", 1, 12),
    );
    expect(renderTemplate('{{ {"a": 1}.b }}', {})).toEqual(
      fails("'dict' object has no attribute 'b'", 1, 13),
    );
    expect(renderTemplate('{{ [1, 2][5] }}', {})).toEqual(fails('list index out of range', 1, 11));
    expect(renderTemplate('{{ s.nosuch() }}', { s: 'x' })).toEqual(
      fails("'str' object has no attribute 'nosuch'", 1, 6),
    );
  });

  test('a macro argument that was not passed is an error at the call, as in Apsis', () => {
    expect(renderTemplate('{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}', {})).toEqual(
      fails("name 'a' is not defined", 1, 41),
    );
  });

  test('unknown filters and tests, uncallable values', () => {
    expect(renderTemplate('{{ x | nosuch }}', { x: '1' })).toEqual(fails("no filter named 'nosuch'", 1, 8));
    expect(renderTemplate('{{ x is nosuch }}', { x: '1' })).toEqual(fails("no test named 'nosuch'", 1, 9));
    expect(renderTemplate('{{ x() }}', { x: '1' })).toEqual(fails("'str' object is not callable", 1, 4));
  });
});

describe('syntax errors', () => {
  test('carry the message and position', () => {
    expect(renderTemplate('desk {{ date date }}', { date: 'd' })).toEqual(
      fails("template syntax error: expected '}}', got 'date'", 1, 14),
    );
    const multi = renderTemplate('a\nb {% if x %}\nc', { x: '1' });
    expect(multi.ok).toBe(false);
    if (!multi.ok) expect(multi.error.message).toMatch(/^template syntax error: /);
  });

  test('no noisy prefix or stack in the message', () => {
    const result = renderTemplate('{{ "unterminated }}', {});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toMatch(/^template syntax error: [^\n]+$/);
      expect(result.error.message).not.toContain('unknown path');
    }
  });

  test('templates cannot load other templates', () => {
    expect(renderTemplate('{% include "other" %}', {})).toEqual(
      fails('{% include %} is not supported in job templates', 1, 4),
    );
  });
});

describe('Python semantics for operators', () => {
  test('arithmetic on string args is an error, not concatenation or coercion', () => {
    expect(renderTemplate('{{ n + 2 }}', { n: '3' })).toEqual(
      fails(
        'can only concatenate str (not "int") to str; args are strings: convert with n | int (or | float)',
        1,
        4,
      ),
    );
    expect(renderTemplate('{{ 2 * 1 - n }}', { n: '3' })).toEqual(
      fails(
        "unsupported operand type(s) for -: 'int' and 'str'; args are strings: convert with n | int (or | float)",
        1,
        4,
      ),
    );
    expect(renderTemplate('{{ -n }}', { n: '3' })).toEqual(
      fails("bad operand type for unary -: 'str'", 1, 4),
    );
  });

  test('converted args do arithmetic; strings concatenate and repeat', () => {
    expect(renderTemplate('{{ n | int + 2 }} {{ (n | float) / 2 }}', { n: '3' })).toEqual(ok('5 1.5'));
    expect(renderTemplate('{{ a + b }} {{ a ~ 1 }} {{ "-" * 3 }}', { a: 'x', b: 'y' })).toEqual(
      ok('xy x1 ---'),
    );
  });

  test('floor division and modulo follow Python; division by zero is an error', () => {
    expect(renderTemplate('{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}', {})).toEqual(
      ok('3 -4 2 1024'),
    );
    expect(renderTemplate('{{ 1 / 0 }}', {})).toEqual(fails('division by zero', 1, 4));
  });

  test('== never coerces; ordering needs comparable types', () => {
    expect(renderTemplate('{{ n == 3 }} {{ n == "3" }} {{ n | int == 3 }}', { n: '3' })).toEqual(
      ok('False True True'),
    );
    expect(renderTemplate('{{ 1 < 2 < 3 }} {{ 3 < 2 < 5 }} {{ "a" < "b" }}', {})).toEqual(
      ok('True False True'),
    );
    expect(renderTemplate('{% if n > 2 %}big{% endif %}', { n: '10' })).toEqual(
      fails(
        "'>' not supported between instances of 'str' and 'int'; args are strings: convert with n | int (or | float)",
        1,
        7,
      ),
    );
  });

  test('date arithmetic as in ora: days added and subtracted, dates subtracted to days', () => {
    const d = { date: '2024-03-01' };
    expect(renderTemplate('{{ Date(date) - 1 }} {{ Date(date) + 1 }} {{ 1 + Date(date) }}', d)).toEqual(
      ok('2024-02-29 2024-03-02 2024-03-02'),
    );
    expect(renderTemplate("{{ Date(date) - Date('2024-01-01') }} {{ Date(date).ordinal }}", d)).toEqual(
      ok('60 61'),
    );
    expect(renderTemplate('{{ Date(date).add(-1) }}', d)).toEqual(ok('2024-02-29'));
    expect(renderTemplate('{{ Date(date) * 2 }}', d)).toEqual(
      fails("unsupported operand type(s) for *: 'Date' and 'int'", 1, 4),
    );
    expect(renderTemplate('{{ Date(date) + n }}', { ...d, n: '1' })).toEqual(
      fails("unsupported operand type(s) for +: 'Date' and 'str'", 1, 4),
    );
    expect(renderTemplate('{{ Time("2024-03-01T00:00:00Z") + 60 }}', {})).toEqual(
      ok('2024-03-01T00:01:00+00:00'),
    );
  });

  test('Python str methods on args', () => {
    expect(
      renderTemplate("{{ d.replace('-', '') }} {{ s.upper() }} {{ s.split(',')[1] }}", {
        d: '2024-03-01',
        s: 'a,b',
      }),
    ).toEqual(ok('20240301 A,B b'));
    expect(
      renderTemplate("{{ ' x '.strip() }}|{{ '7'.zfill(3) }}|{{ 'abc'.startswith('a') }}|{{ s[-1] }}", {
        s: 'xyz',
      }),
    ).toEqual(ok('x|007|True|z'));
  });
});
