/**
 * The one mapping of errors to what a client is answered, for every transport (HTTP, WebSocket, IPC): the status
 * and message the HTTP API would answer (SPEC 15.1).
 */
import { ApiError } from '../../shared/api/console-api.js';
import type { Problem } from '../../shared/model/problem.js';
import { NotFoundError, OperationError } from '../engine/errors.js';
import { StoreError, StoreUnavailableError } from '../store/store-error.js';
import { InvalidJobError } from './inputs.js';

/** An answered error: `expected` when it is an answer to the request rather than a defect of ours. */
export interface ErrorAnswer {
  status: number;
  message: string;
  expected: boolean;
  /** The problems of an ad hoc job that does not validate (HTTP answers `{error, problems}`). */
  problems?: Problem[];
}

/**
 * What a transport answers for `e`: ApiError as it is; engine refusals 400 and 404; a database that cannot be
 * written 503 with the reason and the way on; a database refused at open 500 with its message (meant for the
 * operator); anything else 500 naming the request, to be logged as a defect.
 */
export function errorAnswer(request: string, e: unknown): ErrorAnswer {
  if (e instanceof InvalidJobError)
    return { status: e.status, message: e.message, expected: true, problems: e.problems };
  if (e instanceof ApiError) return { status: e.status, message: e.message, expected: true };
  if (e instanceof OperationError) return { status: 400, message: e.message, expected: true };
  if (e instanceof NotFoundError) return { status: 404, message: e.message, expected: true };
  if (e instanceof StoreUnavailableError) return { status: 503, message: e.message, expected: true };
  if (e instanceof StoreError) return { status: 500, message: e.message, expected: true };
  const detail = e instanceof Error ? e.message : String(e);
  return { status: 500, message: `internal error in ${request}: ${detail}`, expected: false };
}
