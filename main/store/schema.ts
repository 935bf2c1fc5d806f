/** Schema versions of the database (SPEC 13.2), applied forward-only and keyed by `PRAGMA user_version`. */
import type Database from 'better-sqlite3';

/** The schema version this build writes and reads. */
export const SCHEMA_VERSION = 4;

/** Tables every database of schema version 1 or later has. */
export const TABLES = ['clock', 'next_run_id', 'jobs', 'runs', 'run_history', 'output', 'stats'] as const;

/** What a migration may need besides the connection. */
export interface MigrationContext {
  /** Creation time of a new database, in epoch seconds: its first clock value (SPEC 12.2). */
  now: number;
}

/** The finished states (SPEC 11.2) as an SQL list; the `runs_unfinished` partial index is defined with it. */
export const FINISHED_SQL = "('success', 'failure', 'error', 'skipped')";

type Migration = (db: Database.Database, context: MigrationContext) => void;

// `runs_unfinished` is ours, not SPEC 13.2's: a partial index holding only unfinished runs, so restore (SPEC 12.3)
// finds them without scanning a history of a million finished runs. `run_history_run_id` also covers `timestamp`
// (and the implicit rowid) so a run's log comes back in order without a sort.
const VERSION_1 = `
CREATE TABLE clock (time REAL NOT NULL);
CREATE TABLE next_run_id (number INTEGER NOT NULL);
CREATE TABLE jobs (job_id TEXT NOT NULL PRIMARY KEY, job TEXT NOT NULL);
CREATE TABLE runs (
  rowid INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  timestamp REAL NOT NULL,
  job_id TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL,
  program TEXT,
  times TEXT NOT NULL,
  meta TEXT NOT NULL,
  run_state TEXT,
  conds TEXT,
  actions TEXT
);
CREATE INDEX runs_job_id ON runs (job_id);
CREATE INDEX runs_timestamp ON runs (timestamp);
CREATE INDEX runs_unfinished ON runs (state) WHERE state NOT IN ${FINISHED_SQL};
CREATE TABLE run_history (run_id TEXT NOT NULL, timestamp REAL NOT NULL, message TEXT NOT NULL);
CREATE INDEX run_history_run_id ON run_history (run_id, timestamp);
CREATE TABLE output (
  run_id TEXT NOT NULL,
  output_id TEXT NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  length INTEGER NOT NULL,
  compression TEXT,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, output_id)
);
CREATE TABLE stats (time REAL NOT NULL PRIMARY KEY, stats TEXT NOT NULL);
`;

// Version 2: actions fired and not performed yet (SPEC 19.8, at least once), recorded in the commit of the transition
// that fired them and deleted in the commit of their effect. `snapshot` is the run's record at the transition.
const VERSION_2 = `
CREATE TABLE pending_actions (
  key TEXT NOT NULL PRIMARY KEY,
  run_id TEXT NOT NULL,
  action TEXT NOT NULL,
  snapshot TEXT NOT NULL
);
`;

// Version 3: the console's attention counts (SPEC 19.8) ask how many runs entered failure, or error, since a time; and
// the run list opens exactly those runs, retired from memory or not. One partial index per state holds only its runs
// by timestamp, so both read just those rows, whatever the history, and other runs' writes never touch them.
const VERSION_3 = `
CREATE INDEX runs_failure ON runs (timestamp) WHERE state = 'failure';
CREATE INDEX runs_error ON runs (timestamp) WHERE state = 'error';
`;

// Version 4: the CSV export of the stats history (SPEC 17.5) in one pass without parsing JSON. Each sample also keeps
// its values as CSV cells (`cells`, in the order of its shape's names) and its shape: the sorted dotted names of its
// values, stored once in `stats_shapes`. An export's header is the union of the shapes in its range, read from the
// (time, shape) index without reading the samples. Samples stored before version 4 have no shape (NULL): the export
// reads their JSON as before (they leave with stats.retention).
const VERSION_4 = `
CREATE TABLE stats_shapes (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE);
ALTER TABLE stats ADD COLUMN shape INTEGER;
ALTER TABLE stats ADD COLUMN cells TEXT;
CREATE INDEX stats_time_shape ON stats (time, shape);
`;

/** MIGRATIONS[v] takes a database from user_version v to v + 1. */
const MIGRATIONS: readonly Migration[] = [
  (db, { now }) => {
    db.exec(VERSION_1);
    db.prepare('INSERT INTO clock (time) VALUES (?)').run(now);
    db.prepare('INSERT INTO next_run_id (number) VALUES (1)').run();
  },
  (db) => db.exec(VERSION_2),
  (db) => db.exec(VERSION_3),
  (db) => db.exec(VERSION_4),
];

/** The schema version recorded in the database header. */
export function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Brings the database up to SCHEMA_VERSION, each step in its own write transaction with its version bump. */
export function migrate(db: Database.Database, context: MigrationContext): void {
  for (;;) {
    const step = db.transaction(() => {
      // Read inside the write transaction: the version cannot move under us.
      const version = userVersion(db);
      const migration = MIGRATIONS[version];
      if (version >= SCHEMA_VERSION || migration === undefined) return false;
      migration(db, context);
      db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    if (!step.immediate()) return;
  }
}
