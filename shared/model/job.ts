/** Job JSON of the API (SPEC 15.2). */
export interface JobJson {
  job_id: string;
  /** Relative path of the job file; null for ad hoc jobs. */
  file: string | null;
  params: string[];
  schedule: (Record<string, unknown> & { str?: string; enabled?: boolean })[];
  program: Record<string, unknown> & { str?: string };
  condition: Record<string, unknown>[];
  action: Record<string, unknown>[];
  metadata: Record<string, unknown> & { description?: string; labels?: string[] };
  ad_hoc: boolean;
  /** ISO time of the next scheduled occurrence, or null. */
  next_time: string | null;
  load_error?: true;
}
