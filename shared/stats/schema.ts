/**
 * The stats object (SPEC 17.1): `GET /api/v1/stats`, the StatsProgram's output and every stats sample.
 * NOT a stable API: fields may be added, renamed or removed, so every consumer must tolerate missing and
 * extra fields (use `flattenStats` and look fields up by dotted name).
 */
export interface Stats {
  /** Engine version. */
  version: string;
  /** Engine start, ISO time. */
  start_time: string;
  /** When this object was made, ISO time. */
  time: string;
  async: {
    /** Seconds the stats sampler woke late at its last wake-up; absent until the first one. */
    latency?: number;
    /** Engine activities in flight (wait, run, stop, action tasks and core loops), count. */
    num_tasks?: number;
  };
  /** Peak resident set size of the engine process, bytes. */
  rusage_maxrss: number;
  /** User CPU time of the engine process, seconds. */
  rusage_utime: number;
  /** System CPU time of the engine process, seconds. */
  rusage_stime: number;
  /** Virtual size from /proc/self/statm, bytes (Linux only). */
  statm_size?: number;
  /** Resident size from /proc/self/statm, bytes (Linux only). */
  statm_resident?: number;
  heap: {
    /** V8 heap used, bytes. */
    used: number;
    /** V8 heap total, bytes. */
    total: number;
  };
  gc: {
    /** Garbage collections since start, count. */
    count: number;
    /** Total GC pause time since start, seconds. */
    elapsed: number;
    /** Longest GC pause since start, seconds. */
    elapsed_max: number;
  };
  scheduled: {
    /** Runs waiting in the scheduled heap, count. */
    num_entries: number;
    /** Heap size including cancelled entries not yet removed, count (>= num_entries). */
    num_heap: number;
  };
  tasks: {
    /** Wait tasks (one per waiting run), count. */
    num_waiting: number;
    /** Run tasks (one per starting or running run), count. */
    num_running: number;
    /** Stop tasks, count. */
    num_stopping: number;
    /** Action tasks in progress, count. */
    num_action: number;
  };
  /** Runs whose run-log entries are held in memory (expected runs), count. */
  len_runlogdb_cache: number;
  run_store: {
    /** Runs in memory, count. */
    num_runs: number;
    /** Subscriptions to run transitions (mostly waiting conditions), count. */
    num_queues: number;
    /** Messages queued on those subscriptions, count. */
    len_queues: number;
  };
  outputs: {
    /** Unfinished outputs held in memory, count. */
    num_cached: number;
  };
  summary_publisher: {
    /** Connected summary streams (WebSocket and IPC), count. */
    num_subs: number;
    /** Messages queued for them, count. */
    len_queues: number;
  };
  /** Remote hosts over SSH (SPEC 24.3): every host used since the start and every member of a host group. */
  remote?: {
    hosts: Record<string, RemoteHostStats>;
  };
  /** The helper that launches local processes (ours, not Apsis's). */
  launcher?: {
    /** Its pid, or null while none runs. */
    helper_pid: number | null;
    /** Helpers started so far (more than one: it died and was started again). */
    helper_starts: number;
    /** Launches that started a process, and launches that could not. */
    launched: number;
    failed: number;
    /** Launches waiting for their answer. */
    in_flight: number;
  };
  db: {
    /** Size of the DB file plus its WAL, bytes. */
    size?: number;
    /** Changes held in memory because the DB cannot be written, count (0 normally). */
    pending_writes: number;
    /** Why the DB cannot be written (file, cause, the way on); absent while writes succeed. */
    write_error?: string;
  };
}

/** One remote host in the stats object (SPEC 24.3). */
export interface RemoteHostStats {
  /** Whether its agent session is up now. */
  connected: boolean;
  /** idle (not used lately), connecting, up or down. */
  state: string;
  /** Runs there now (launching, running, or given its slot and about to start), count. */
  running: number;
  /** Processes started there since the engine started, count. */
  launches: number;
  /** Runs ended in error because of the host (unreachable at launch, lost), count. */
  failures: number;
  /** Seconds of the last round trip over its master connection; null before the first. */
  rtt: number | null;
  /** Since when it has been unreachable, ISO time, while down. */
  down_since?: string;
  /** Why it is down, as ssh said, while down. */
  error?: string;
}

/**
 * The hosts of a flattened stats object (`remote.hosts.HOST.FIELD`; a host name may hold dots, so the field is
 * matched at the end), sorted by name.
 */
export function remoteHosts(flat: FlatStats): ({ host: string } & RemoteHostStats)[] {
  const byHost = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(flat)) {
    const m = /^remote\.hosts\.(.+)\.(connected|state|running|launches|failures|rtt|down_since|error)$/.exec(
      key,
    );
    if (m === null) continue;
    const host = m[1] as string;
    let entry = byHost.get(host);
    if (entry === undefined) byHost.set(host, (entry = {}));
    entry[m[2] as string] = value;
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([host, e]) => ({
      host,
      connected: e['connected'] === true,
      state: typeof e['state'] === 'string' ? e['state'] : e['connected'] === true ? 'up' : 'idle',
      running: typeof e['running'] === 'number' ? e['running'] : 0,
      launches: typeof e['launches'] === 'number' ? e['launches'] : 0,
      failures: typeof e['failures'] === 'number' ? e['failures'] : 0,
      rtt: typeof e['rtt'] === 'number' ? e['rtt'] : null,
      ...(typeof e['down_since'] === 'string' ? { down_since: e['down_since'] } : {}),
      ...(typeof e['error'] === 'string' ? { error: e['error'] } : {}),
    }));
}

/** A stats value flattened to dotted names (`async.latency`), as CSV and charts use it. */
export type FlatStats = Record<string, number | string | boolean | null>;

/** Flattens nested objects to dotted names; arrays become JSON text. Tolerates any shape. */
export function flattenStats(value: unknown, prefix = '', out: FlatStats = {}): FlatStats {
  if (value === null || typeof value !== 'object') {
    if (prefix !== '') out[prefix] = value === undefined ? null : (value as number | string | boolean | null);
    return out;
  }
  if (Array.isArray(value)) {
    out[prefix] = JSON.stringify(value);
    return out;
  }
  for (const [k, v] of Object.entries(value)) flattenStats(v, prefix === '' ? k : `${prefix}.${k}`, out);
  return out;
}
