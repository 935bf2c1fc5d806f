/**
 * The stats object (SPEC 17.1) in the Prometheus text exposition format (version 0.0.4) for `GET /metrics`: one
 * gauge per numeric field, named `apsis_` + the dotted name with `_` for `.`, plus the unit (`_seconds`,
 * `_bytes`) where the field has one.
 *
 * Written by hand rather than with prom-client: the format is a few lines of text per field and the figures are
 * already gathered by engineStats on each request, whereas prom-client would add a dependency with a global
 * registry, its own default process metrics and collection model, none of which we need. Everything is a gauge:
 * the stats schema is not stable (fields come and go), so no field is promised as a monotonic counter.
 */
import { flattenStats } from '../../shared/stats/schema.js';

/** Units of the fields that have one (SPEC 17.1); other numeric fields are counts. */
const UNITS: Record<string, 'seconds' | 'bytes'> = {
  'async.latency': 'seconds',
  rusage_utime: 'seconds',
  rusage_stime: 'seconds',
  'gc.elapsed': 'seconds',
  'gc.elapsed_max': 'seconds',
  rusage_maxrss: 'bytes',
  statm_size: 'bytes',
  statm_resident: 'bytes',
  'heap.used': 'bytes',
  'heap.total': 'bytes',
  'db.size': 'bytes',
};

/** The metric name of a dotted stats field, e.g. `async.latency` → `apsis_async_latency_seconds`. */
export function metricName(field: string): string {
  const unit = UNITS[field];
  return `apsis_${field.replace(/[^a-zA-Z0-9_]/g, '_')}${unit === undefined ? '' : `_${unit}`}`;
}

/** The exposition text of a stats object: HELP, TYPE and one sample line per numeric field, sorted by name. */
export function prometheusText(stats: unknown): string {
  const flat = flattenStats(stats);
  const lines: string[] = [];
  const names = new Set<string>();
  for (const field of Object.keys(flat).sort()) {
    const value = flat[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const name = metricName(field);
    if (names.has(name)) continue; // two fields that differ only in punctuation: the first wins
    names.add(name);
    const unit = UNITS[field];
    const help = `Apsis stats field ${field}${unit === undefined ? '' : ` (${unit})`}`;
    lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${name} gauge`);
    lines.push(`${name} ${value}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
