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

export const SHELL_TYPES = ['shell', 'apsis.program.process.ShellCommandProgram'] as const;
export const PROCESS_TYPES = ['program', 'apsis.program.process.ProcessProgram'] as const;
export const STATS_TYPE = 'apsis.program.internal.stats.StatsProgram';
export const ARCHIVE_TYPE = 'apsis.program.internal.archive.ArchiveProgram';
export const VACUUM_TYPE = 'apsis.program.internal.vacuum.VacuumProgram';

export interface ShellProgramSpec {
  type: (typeof SHELL_TYPES)[number];
  command: string;
  user?: string;
  timeout?: TimeoutSpec;
  stop?: StopSpec;
}

export interface ProcessProgramSpec {
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
