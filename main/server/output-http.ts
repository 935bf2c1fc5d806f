/** Serving output bytes (SPEC 15.3): stored compression passed through when the client accepts it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutputData } from '../service/views.js';

export function sendOutput(req: IncomingMessage, res: ServerResponse, body: OutputData): void {
  const accepts = (req.headers['accept-encoding'] ?? '').split(',').map((s) => s.trim().split(';')[0]);
  const headers: Record<string, string | number> = {
    'content-type': body.contentType,
    'cache-control': 'no-store',
  };
  let data = body.data;
  if (body.compression !== null) {
    if (accepts.includes(body.compression)) headers['content-encoding'] = body.compression;
    else data = body.bytes;
  }
  headers['content-length'] = data.length;
  res.writeHead(200, headers);
  res.end(data);
}
