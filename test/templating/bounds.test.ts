/**
 * SPEC 7 "Bounded": every render is cut off at a range() of over 100,000 items, 1,000,000 loop iterations, 1 MiB of
 * output and 100 ms of rendering, with a template error naming the limit, returned as a value. Every
 * construct that can build a large value or do much work is attacked here.
 */
import { describe, expect, test } from 'vitest';
import { newRenderBudget, renderTemplate, type TemplateOptions } from '../../main/templating/index.js';

function render(src: string, vars: Record<string, string> = {}, options?: TemplateOptions): string {
  const r = renderTemplate(src, vars, options);
  return r.ok ? `ok: ${r.value.length} chars` : r.error.message;
}

const RANGE = 'template exceeds 100,000 range() items';
const LOOPS = 'template exceeds 1,000,000 loop iterations';
const OUTPUT = /^template exceeds 1 MiB of output/;
const TIME = 'template exceeds 100 ms of rendering';

/** The counted limits, with time left out: which limit a slow machine meets first must not vary. */
const counted = (): TemplateOptions => ({ budget: newRenderBudget({ elapsedMs: 600_000 }) });

describe('the limits of one render', () => {
  test('range() at most 100,000 items a call', () => {
    expect(render('{{ range(1000000000) | length }}')).toBe(RANGE);
    expect(render('{{ range(100000) | length }}')).toBe('ok: 6 chars');
    expect(render('{{ range(100001) | length }}')).toBe(RANGE);
    // Two ranges of 60,000: each within the limit; what they cost is counted as loop iterations.
    expect(render('{{ range(60000) | length }}{{ range(60000) | length }}')).toBe('ok: 10 chars');
    expect(render('{{ range(0, 10**12, 2) | length }}')).toBe(RANGE);
  });

  test('1,000,000 loop iterations in all', () => {
    const nested =
      '{% set xs = range(2000) | list %}{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}';
    expect(render(nested, {}, counted())).toBe(LOOPS);
    const under =
      '{% set xs = range(990) | list %}{% for i in range(990) %}{% for j in xs %}{% endfor %}{% endfor %}';
    expect(render(under, {}, counted())).toBe('ok: 0 chars');
    // Issue 15's 2000 x 2000 loop (it froze the engine for 10 s): 4,002,000 iterations.
    expect(
      render('{% for i in range(2000) %}{% for j in range(2000) %}{% endfor %}{% endfor %}', {}, counted()),
    ).toBe(LOOPS);
  });

  test('1 MiB of output', () => {
    expect(
      render('{% for i in range(100000) %}{{ "0123456789abcdefghij" }}{% endfor %}', {}, counted()),
    ).toMatch(OUTPUT);
    expect(render('{{ "x" * 1048576 }}')).toBe('ok: 1048576 chars');
    expect(render('{{ "x" * 1048576 }}y')).toMatch(OUTPUT);
  });

  test('100 ms of rendering, measured on the clock the budget is given', () => {
    let t = 0;
    const budget = newRenderBudget({}, () => (t += 1));
    expect(render('{% for i in range(100000) %}{{ i }}{% endfor %}', {}, { budget })).toBe(TIME);
  });

  test('a render that would run for minutes is cut off by the real clock', () => {
    // 100,000 one-megabyte strings: within the iteration and output limits, only time stops it.
    expect(render('{% for i in range(100000) %}{{ ("x" * 1000000) | length }}{% endfor %}')).toBe(TIME);
  });
});

describe('every construct that builds big values or does much work is bounded', () => {
  test.each([
    ["{{ 'x' * 10**9 }}", OUTPUT],
    ["{{ 10**9 * 'x' }}", OUTPUT],
    ["{{ ('x' * 10**9) | length }}", OUTPUT],
    ["{{ 'x'.center(10**9) }}", OUTPUT],
    ["{{ 'x'.ljust(10**9) }}", OUTPUT],
    ["{{ 'x'.rjust(10**9, '-') }}", OUTPUT],
    ["{{ 'x'.zfill(10**9) }}", OUTPUT],
    ["{{ 'x' | center(10**9) }}", OUTPUT],
    ["{{ 'x\\ny' | indent(10**9) }}", OUTPUT],
    ["{{ '%0999999999d' % 1 }}", OUTPUT],
    ["{{ '%.999999999f' % 1 }}", OUTPUT],
    ["{{ '%*d' % (999999999, 1) }}", OUTPUT],
    ["{{ '{:>999999999}'.format(1) }}", OUTPUT],
    ["{{ format(1, '999999999') }}", OUTPUT],
    ["{{ format(1.5, '.999999999f') }}", OUTPUT],
    ["{{ ('x' * 600000) ~ ('x' * 600000) }}", OUTPUT],
    ["{{ ('x' * 600000) + ('x' * 600000) }}", OUTPUT],
    ["{{ ('x' * 1000000).replace('x', 'yy') }}", OUTPUT],
    ["{{ ('x' * 1000000) | replace('x', 'yy') }}", OUTPUT],
    ["{{ ('ab' * 500000).replace('', '-') }}", OUTPUT],
    ["{{ ('\\t' * 1000) .expandtabs(100000) }}", OUTPUT],
    ["{{ ['x' * 600000, 'y' * 600000] | join }}", OUTPUT],
    ["{{ '-'.join(['x' * 600000, 'y' * 600000]) }}", OUTPUT],
    [
      '{% set s %}{% for i in range(60000) %}0123456789abcdefghij{% endfor %}{% endset %}{{ s | length }}',
      OUTPUT,
    ],
    [
      '{% macro m() %}{% for i in range(60000) %}0123456789abcdefghij{% endfor %}{% endmacro %}{{ m() | length }}',
      OUTPUT,
    ],
    ['{% filter upper %}{% for i in range(60000) %}0123456789abcdefghij{% endfor %}{% endfilter %}', OUTPUT],
    ['{{ [1] * 10**9 }}', LOOPS],
    ['{{ (1,) * 10**9 }}', LOOPS],
    ['{{ (range(100000) | list) * 100 }}', LOOPS],
    [
      "{{ range(100000) | map('string') | map('upper') | map('lower') | map('int') | map('string') | map('length') | map('string') | map('upper') | map('lower') | map('upper') | list | length }}",
      LOOPS,
    ],
    [
      '{{ range(100000) | list | unique | list | unique | list | unique | list | unique | list | unique | list | unique | list | unique | list | unique | list | unique | list | unique | list | length }}',
      LOOPS,
    ],
    ['{% set xs = range(99000) | list %}{% for i in range(20) %}{{ xs | sort | length }}{% endfor %}', LOOPS],
    [
      '{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{{ ns.x.extend([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }}{% endfor %}',
      LOOPS,
    ],
    ['{% for i in range(100000) %}{% for j in [1,2,3,4,5,6,7,8,9,10,11] %}{% endfor %}{% endfor %}', LOOPS],
    [
      "{% for i in range(100000) if i is odd %}{% for j in 'abcdefghijklmnopqrstuvwxyz' %}{% endfor %}{% endfor %}",
      LOOPS,
    ],
    ['{{ 2 ** (10 ** 9) }}', /integer too large/],
    ['{{ 10 ** 100000 }}', /integer too large/],
    ['{{ (10 ** 4000) * (10 ** 4000) }}', /integer too large/],
    ['{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', /template exceeds 100 nested macro calls/],
    [
      '{% for x in [[1]] recursive %}{{ loop([[1]]) }}{% endfor %}',
      /template exceeds 100 nested macro calls or recursive loops/,
    ],
    ["{{ ('x' * 1000000).split('x') | length }}", LOOPS],
  ])('%s', (src, expected) => {
    const message = render(src, {}, counted());
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

describe('a budget shared by several renders', () => {
  test('counts render time together', () => {
    let t = 0;
    const budget = newRenderBudget({}, () => (t += 10));
    const renders = [1, 2, 3, 4, 5, 6].map(() => render('{{ 1 }}', {}, { budget }));
    expect(renders.slice(0, 4)).toEqual(['ok: 1 chars', 'ok: 1 chars', 'ok: 1 chars', 'ok: 1 chars']);
    expect(renders.at(-1)).toBe(TIME);
    expect(budget.elapsedMs).toBeGreaterThan(100);
  });

  test('counts their work together, so the limits hold for all of them', () => {
    const budget = newRenderBudget({ elapsedMs: 600_000 });
    const loop = '{% for i in range(n | int) %}{% endfor %}';
    expect(renderTemplate(loop, { n: '90000' }, { budget })).toEqual({ ok: true, value: '' });
    for (let i = 0; i < 10; i += 1) renderTemplate(loop, { n: '90000' }, { budget });
    expect(render(loop, { n: '90000' }, { budget })).toBe(LOOPS);
    expect(budget.rangeItems).toBeGreaterThan(1_000_000);
  });

  test('without a budget, each render has the full limits', () => {
    const ranges = '{{ range(n | int) | length }}';
    for (let i = 0; i < 3; i += 1)
      expect(renderTemplate(ranges, { n: '90000' })).toEqual({ ok: true, value: '90000' });
  });

  test('iterations and output add up across renders', () => {
    const budget = newRenderBudget({ elapsedMs: 600_000 });
    const big = '{{ "x" * 600000 }}';
    expect(render(big, {}, { budget })).toBe('ok: 600000 chars');
    expect(render(big, {}, { budget })).toMatch(OUTPUT);
    const loops = newRenderBudget({ elapsedMs: 600_000 });
    const nested =
      '{% set xs = range(990) | list %}{% for i in range(600) %}{% for j in xs %}{% endfor %}{% endfor %}';
    expect(render(nested, {}, { budget: loops })).toBe('ok: 0 chars');
    expect(render(nested, {}, { budget: loops })).toBe(LOOPS);
  });
});

describe('reading a hostile template is bounded too', () => {
  test.each([
    ['deep parentheses', `{{ ${'('.repeat(5000)}1${')'.repeat(5000)} }}`],
    ['a long left-nested chain', `{{ ${Array(5000).fill('1').join(' + ')} }}`],
    ['deeply nested blocks', `${'{% if true %}'.repeat(3000)}x${'{% endif %}'.repeat(3000)}`],
    ['a long filter chain', `{{ n${' | upper'.repeat(5000)} }}`],
    ['a long method chain', `{{ n${'.upper()'.repeat(5000)} }}`],
  ])('%s: a syntax error naming the nesting limit, never a throw', (_what, src) => {
    expect(render(src, { n: 'x' })).toBe(
      'template syntax error: the template nests more than 200 levels deep',
    );
  });

  test('a source over 256 KiB is refused as it is read', () => {
    expect(render('{{ n }}'.repeat(40_000), { n: 'x' })).toBe(
      'template syntax error: the template is 280,000 characters long; at most 262,144 are read',
    );
  });

  test('nesting within the limit renders', () => {
    expect(render(`{{ ${'('.repeat(150)}1${')'.repeat(150)} }}`)).toBe('ok: 1 chars');
    expect(render(`{{ ${Array(150).fill('1').join(' + ')} }}`)).toBe('ok: 3 chars');
  });
});
