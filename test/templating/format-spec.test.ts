import { describe, expect, test } from 'vitest';
import { formatValue } from '../../main/templating/format-spec.js';
import { renderTemplate } from '../../main/templating/index.js';

describe('format(value, spec): Python format-spec mini-language', () => {
  test.each<[unknown, string, string]>([
    // The cases SPEC 7 users reach for.
    [3.14159, '.2f', '3.14'],
    [42n, '05d', '00042'],
    ['ab', '>4', '  ab'],
    [0.25, '.0%', '25%'],
    [255n, 'x', 'ff'],
    // Fill, align, sign, width, zero padding.
    ['mid', '*^9', '***mid***'],
    [42n, '<6', '42    '],
    [42n, '^6', '  42  '],
    [-3.14159, '=+8.2f', '-   3.14'],
    [-3.14159, '010.3f', '-00003.142'],
    [5n, '+d', '+5'],
    [5n, ' d', ' 5'],
    [-5n, 'd', '-5'],
    ['ab', '05', 'ab000'],
    ['abcdef', '^7.3s', '  abc  '],
    ['é', '>3', '  é'],
    // Integer presentations and grouping.
    [255n, '#x', '0xff'],
    [255n, 'X', 'FF'],
    [255n, '#X', '0XFF'],
    [5n, 'b', '101'],
    [8n, 'o', '10'],
    [65n, 'c', 'A'],
    [1234n, 'n', '1234'],
    [1234567n, ',', '1,234,567'],
    [1234567n, '_d', '1_234_567'],
    [0xffffffn, '_x', 'ff_ffff'],
    [1234567.891, ',.2f', '1,234,567.89'],
    [2n ** 60n, 'd', '1152921504606846976'],
    // Fixed, exponent, general, percent; Python rounds the exact value, ties to even.
    [2.5, '.0f', '2'],
    [3.5, '.0f', '4'],
    [0.125, '.2f', '0.12'],
    [0.375, '.2f', '0.38'],
    [9.96, '.1f', '10.0'],
    [1e-7, '.2f', '0.00'],
    [123456789.987654, '.3f', '123456789.988'],
    [3n, '#.0f', '3.'],
    [-0.04, 'z.1f', '0.0'],
    [-0.04, '.1f', '-0.0'],
    [1.5, '%', '150.000000%'],
    [12345.678, 'e', '1.234568e+04'],
    [0n, '.2e', '0.00e+00'],
    [1e-10, 'E', '1.000000E-10'],
    [9.9999, '.2e', '1.00e+01'],
    [1234567n, 'g', '1.23457e+06'],
    [100000n, 'g', '100000'],
    [1000000n, 'g', '1e+06'],
    [0.0001, 'g', '0.0001'],
    [0.00001, 'g', '1e-05'],
    [2.5, '.1g', '2'],
    [2n, '#g', '2.00000'],
    [Infinity, 'f', 'inf'],
    [NaN, 'F', 'NAN'],
    // No type: integers as int, other numbers as Python's float repr / general format.
    [2.5, '', '2.5'],
    [0.1 + 0.2, '', '0.30000000000000004'],
    [1.5e-7, '', '1.5e-07'],
    [2.5, '.1', '2e+00'],
    [12.5, '.3', '12.5'],
    [123.4, '.3', '1.23e+02'],
    [true, '', 'True'],
    [true, 'd', '1'],
    [null, '', 'None'],
  ])('format(%s, %j) is %j', (value, spec, expected) => {
    expect(formatValue(value, spec)).toBe(expected);
  });

  test.each<[unknown, string, string]>([
    [2.5, 'd', "unknown format code 'd' for object of type 'float'"],
    [
      '42',
      'd',
      "unknown format code 'd' for object of type 'str' (args are strings: convert with | int or | float)",
    ],
    ['ab', '=5', "'=' alignment not allowed in string format specifier"],
    ['ab', '+', 'Sign not allowed in string format specifier'],
    [255n, ',x', "cannot specify ',' with 'x'"],
    [1n, '.2d', 'precision not allowed in integer format specifier'],
    [1n, 'q', "invalid format spec 'q'"],
  ])('format(%s, %j) fails: %s', (value, spec, message) => {
    expect(() => formatValue(value, spec)).toThrow(message);
  });

  test('from templates, errors name the helper and the place', () => {
    expect(renderTemplate("{{ format(n | int, '03d') }}-{{ format(0.5, '.0%') }}", { n: '7' })).toEqual({
      ok: true,
      value: '007-50%',
    });
    expect(renderTemplate("x {{ format(n, 'd') }}", { n: '7' })).toEqual({
      ok: false,
      error: {
        message:
          "format(): unknown format code 'd' for object of type 'str' (args are strings: convert with | int or | float)",
        line: 1,
        col: 6,
      },
    });
  });
});
