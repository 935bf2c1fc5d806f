import type { WriteFailure } from './run-store.js';

/** Refusals to open a database file, each naming the file and the way on (STYLE.md section 4). */
export type StoreErrorCode = 'missing' | 'not-sqlite' | 'foreign' | 'newer' | 'in-use' | 'unwritable';

/** A database file the store refuses to open; `message` is meant for the operator as is. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An operation that needs the database written now, refused while writes fail: a 503 on the API. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(readonly failure: WriteFailure) {
    super(failure.message);
  }
}
