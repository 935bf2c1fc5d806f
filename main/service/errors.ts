/** Errors of the service as values for a transport: the status and message the HTTP API would answer. */
import { ApiError } from '../../shared/api/console-api.js';
import type { IpcError } from '../../shared/api/ipc.js';
import { NotFoundError, OperationError } from '../engine/errors.js';
import { StoreError } from '../store/store-error.js';

/** 400 with `message`: a refused request (SPEC 15.1). */
export const badRequest = (message: string): ApiError => new ApiError(400, message);

/** 404 with `message`: an unknown run, job or path. */
export const notFound = (message: string): ApiError => new ApiError(404, message);

/**
 * The error a transport answers for `e`: ApiError as it is, engine refusals as 400/404, a database refusal as 500
 * with its message (meant for the operator), anything else as 500 naming the request, with `e` left to the caller's
 * log (a defect of ours).
 */
export function toIpcError(request: string, e: unknown): IpcError {
  if (e instanceof ApiError) return { status: e.status, message: e.message };
  if (e instanceof OperationError) return { status: 400, message: e.message };
  if (e instanceof NotFoundError) return { status: 404, message: e.message };
  if (e instanceof StoreError) return { status: 500, message: e.message };
  const detail = e instanceof Error ? e.message : String(e);
  return { status: 500, message: `internal error in ${request}: ${detail}` };
}

/** Whether `e` is expected (an answer to the request) rather than a defect worth a diagnostic log entry. */
export function isExpectedError(e: unknown): boolean {
  return e instanceof ApiError || e instanceof OperationError || e instanceof NotFoundError;
}
