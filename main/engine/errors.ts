/** An operation the engine refuses (SPEC 11.4): a 400 with this message on the API. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
}

/** Something asked for does not exist: a 404 on the API. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
