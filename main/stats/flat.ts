/**
 * One stats sample as CSV cells (SPEC 17.5), computed once when the sample is stored: the store keeps, beside the
 * sample's JSON, its *shape* (the sorted dotted names of its values) and its cells in that order, so an export reads
 * each sample once and parses no JSON (see statsCsv).
 */

/** One RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF, with quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value as a cell: shortest round-trip numbers, true/false, strings as is, arrays as JSON; null is empty. */
export function cell(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'string':
      return csvField(value);
    case 'object':
      return value === null ? '' : csvField(JSON.stringify(value));
    default:
      return '';
  }
}

/** The row time is the CSV's first column: the sample's own `time` field is not a column of its own. */
export const TIME_FIELD = 'time';

/**
 * The sample's values by dotted name (nested objects walked, arrays and scalars as values), without `time`; names
 * sorted, each once (`{"a.b": 1}` beside `{"a": {"b": 2}}` is one name: the value walked last wins, as in the
 * export of samples stored before shapes were).
 */
export function flatSample(sample: unknown): { names: string[]; cells: string[] } {
  const values = new Map<string, string>();
  const walk = (value: unknown, name: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (name !== '') values.set(name, cell(value));
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) walk(record[key], name === '' ? key : `${name}.${key}`);
  };
  walk(sample, '');
  values.delete(TIME_FIELD);
  const names = [...values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { names, cells: names.map((n) => values.get(n) as string) };
}

/** Splits a row of cells as `cells.join(',')` wrote them (quoted fields may hold commas and doubled quotes). */
export function splitCells(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return [...out, text.slice(i)]; // not written by us: kept as it is
        if (text.charCodeAt(q + 1) === 34) j = q + 2;
        else {
          j = q + 1;
          break;
        }
      }
      out.push(text.slice(i, j));
      if (j >= text.length) return out;
      i = j + 1; // past the comma
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}
