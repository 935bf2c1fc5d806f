/** Reading the API's error answers (SPEC 15.1: `{error: message}` with a 4xx or 5xx status). */

/** The `error` text of a failed response, or its status line when the body is not such JSON. */
export async function errorMessage(r: Response): Promise<string> {
  try {
    const j = (await r.json()) as { error?: unknown };
    if (typeof j.error === 'string') return j.error;
  } catch {
    // not JSON: keep the status line
  }
  return `${r.status} ${r.statusText}`;
}
