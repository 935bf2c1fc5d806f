/** Templated fields met while parsing a job file, kept with their nodes so problems point into the file. */
import type { Node } from 'yaml';

export type TemplateKind = 'string' | 'duration' | 'integer' | 'signal';

export interface TemplatedField {
  node: Node | null;
  source: string;
  /** What the rendered value must be. */
  kind: TemplateKind;
  /** For messages: `program command`, `timeout duration`... */
  what: string;
  /**
   * Which names the template may use: `run` (a run's args, run_id, job_id and helpers), `action` (the triggering
   * run's args and helpers, SPEC 7) or `alert` (a webhook or email action: the run's args, run_id, job_id, state and
   * helpers, SPEC 19.8).
   */
  scope: 'run' | 'action' | 'alert';
}

/** A reference from a condition or action to another job, checked once every file is parsed (SPEC 3.3, 10.2). */
export interface JobReference {
  node: Node | null;
  jobId: string;
  /** Explicit args given with the reference. */
  args: Record<string, string>;
  kind: 'dependency' | 'max_running' | 'action';
}

/** Collects templated fields and job references while a job file is parsed. */
export class TemplateSink {
  readonly fields: TemplatedField[] = [];
  readonly references: JobReference[] = [];

  add(field: TemplatedField): void {
    this.fields.push(field);
  }

  reference(ref: JobReference): void {
    this.references.push(ref);
  }
}

/** True when a string contains template syntax. */
export function isTemplated(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}
