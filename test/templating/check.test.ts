import { describe, expect, test } from 'vitest';
import { checkTemplate } from '../../main/templating/index.js';

const known = (...names: string[]): ReadonlySet<string> => new Set(names);
const undef = (name: string, line: number, col: number) => ({
  message: `name '${name}' is not defined`,
  line,
  col,
});

describe('checkTemplate', () => {
  test('reports a free name at its first character', () => {
    expect(
      checkTemplate('desk-summary --desk {{ desk }} --date {{ business_date }}', known('desk', 'date')),
    ).toEqual([undef('business_date', 1, 42)]);
  });

  test('positions in multi-line templates', () => {
    const src = 'report \\\n  --date {{ business_date }} \\\n  {%- if verbose %} -v{% endif %}\n{{ desk }}\n';
    expect(checkTemplate(src, known('desk'))).toEqual([
      undef('business_date', 2, 13),
      undef('verbose', 3, 10),
    ]);
  });

  test('each name once, in source order, including names inside expressions', () => {
    const src = '{{ a if b else c }} {{ a }} {{ d.e(f | upper) }} {{ [g] }} {{ {"k": h} }}';
    expect(checkTemplate(src, known()).map((e) => e.message)).toEqual(
      ['a', 'b', 'c', 'd', 'f', 'g', 'h'].map((n) => `name '${n}' is not defined`),
    );
  });

  test('helpers, constants and known names are defined', () => {
    const src =
      '{{ Date(date).add(1) }} {{ format(1, "d") }} {{ get_calendar("all") }} {{ run_id }} {{ True }} {{ none }} {{ range(3) }}';
    expect(checkTemplate(src, known('date', 'run_id'))).toEqual([]);
  });

  test('names bound by set, for and macros', () => {
    const src = [
      '{% set x = 1 %}{{ x }}',
      '{% for k, v in pairs %}{{ k }}{{ v }}{{ loop.index }}{% set inner = 1 %}{% else %}{{ k }}{% endfor %}',
      '{{ inner }}',
      '{% macro m(a, b=a, c=dflt) %}{{ a }}{{ b }}{{ caller }}{% endmacro %}{{ m(1, c=2) }}',
      '{% set block %}{{ y }}{% endset %}{{ block }}',
    ].join('\n');
    expect(checkTemplate(src, known('pairs'))).toEqual([
      undef('k', 2, 86),
      undef('inner', 3, 4),
      undef('dflt', 4, 22),
      undef('y', 5, 19),
    ]);
  });

  test('a name used before its set is free', () => {
    expect(checkTemplate('{{ x }}{% set x = 1 %}{{ x }}', known())).toEqual([undef('x', 1, 4)]);
  });

  test('filter, test and keyword names are not variables; unknown ones are reported', () => {
    expect(
      checkTemplate('{{ a | upper | replace("x", "y") }} {{ a is defined }} {{ Date(a, kw=1) }}', known('a')),
    ).toEqual([]);
    expect(checkTemplate('{{ a | nosuch }} {{ a is nosuch }}', known('a'))).toEqual([
      { message: "no filter named 'nosuch'", line: 1, col: 8 },
      { message: "no test named 'nosuch'", line: 1, col: 26 },
    ]);
  });

  test('syntax errors come alone, with their position', () => {
    expect(checkTemplate('{{ x }}\n{{ date date }}', known())).toEqual([
      { message: "template syntax error: expected '}}', got 'date'", line: 2, col: 9 },
    ]);
  });

  test('template loading tags are reported', () => {
    expect(checkTemplate('{% include "other.j2" %}', known())).toEqual([
      { message: '{% include %} is not supported in job templates', line: 1, col: 4 },
    ]);
  });
});
