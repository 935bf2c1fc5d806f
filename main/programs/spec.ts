/** Program specifications as written in job files (SPEC 6.1), normalised; templated fields stay unrendered. */

/** A templated duration: a number of seconds, or text (a duration string or a template). */
export type DurationField = number | string;

export interface TimeoutSpec {
  duration: DurationField;
  signal: string;
}

export interface StopSpec {
  signal: string;
  grace_period: DurationField;
}

/** Types running `/bin/bash -c COMMAND`; `procstar-shell` is Apsis's Procstar type, run without an agent (SPEC 6.1). */
export const SHELL_TYPES = ['shell', 'apsis.program.process.ShellCommandProgram', 'procstar-shell'] as const;
/** Types running an argv; `procstar` is Apsis's Procstar type, run without an agent (SPEC 6.1). */
export const PROCESS_TYPES = ['program', 'apsis.program.process.ProcessProgram', 'procstar'] as const;
export const STATS_TYPE = 'apsis.program.internal.stats.StatsProgram';
export const ARCHIVE_TYPE = 'apsis.program.internal.archive.ArchiveProgram';
export const VACUUM_TYPE = 'apsis.program.internal.vacuum.VacuumProgram';

/** Where a process runs (SPEC 24.1), both templated: `host` of shell and program, `group_id` of the Procstar types. */
export interface HostSpec {
  host?: string;
  group_id?: string;
}

export interface ShellProgramSpec extends HostSpec {
  type: (typeof SHELL_TYPES)[number];
  command: string;
  user?: string;
  timeout?: TimeoutSpec;
  stop?: StopSpec;
}

export interface ProcessProgramSpec extends HostSpec {
  type: (typeof PROCESS_TYPES)[number];
  argv: string[];
  user?: string;
  timeout?: TimeoutSpec;
  stop?: StopSpec;
}

export interface NoOpProgramSpec {
  type: 'no-op';
  duration?: DurationField;
  /** true → success; false → failure; null → error (SPEC 6.1). */
  success: boolean | null;
}

export interface StatsProgramSpec {
  type: typeof STATS_TYPE;
  path?: string;
}

export interface ArchiveProgramSpec {
  type: typeof ARCHIVE_TYPE;
  age: DurationField;
  count: number | string;
  path: string;
  chunk_size?: number | string;
  chunk_sleep?: DurationField;
}

export interface VacuumProgramSpec {
  type: typeof VACUUM_TYPE;
}

export type ProgramSpec =
  | ShellProgramSpec
  | ProcessProgramSpec
  | NoOpProgramSpec
  | StatsProgramSpec
  | ArchiveProgramSpec
  | VacuumProgramSpec;
