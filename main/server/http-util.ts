/** Small HTTP helpers: JSON responses, bounded bodies, errors as `{error}` with a 4xx status (SPEC 15.1). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../shared/api/console-api.js';

/** Largest request body accepted (SPEC 15.1). */
export const MAX_BODY = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Reads a JSON object body; 400 for malformed JSON or a non-object, 413 past MAX_BODY. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const tooBig = new ApiError(413, `request body is over ${MAX_BODY} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
    req.resume(); // discard the upload so the client reads the answer instead of a reset
    throw tooBig;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Past the limit keep reading, but nothing is kept: memory stays bounded.
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  if (size > MAX_BODY) throw tooBig;
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ApiError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}
