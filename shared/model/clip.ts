/** Bounds on user text repeated in messages: a 1 MB value must not make a 1 MB message. */

/** Most characters of a user's text quoted whole in a message. */
export const MAX_QUOTED = 80;

/** Most characters of one problem message. */
export const MAX_MESSAGE = 1000;

/** The first `n` UTF-16 units of `text`, not splitting a surrogate pair. */
function head(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** `text`, or its first `max` characters and `…` when it is longer. */
export function clipText(text: string, max: number = MAX_QUOTED): string {
  return text.length <= max ? text : `${head(text, max)}…`;
}

/** `'text'`, or for a long text its start and its length: `'aaaa…' (1048576 characters)`. */
export function quoted(text: string, max: number = MAX_QUOTED): string {
  return text.length <= max ? `'${text}'` : `'${head(text, max)}…' (${text.length} characters)`;
}

/**
 * `message`, or when it is longer than MAX_MESSAGE its start and end (a message says what is wrong first and
 * how to fix it last) around a note of what was left out.
 */
export function boundMessage(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const keep = (MAX_MESSAGE - 40) / 2;
  let tail = message.slice(message.length - keep);
  const first = tail.charCodeAt(0);
  if (first >= 0xdc00 && first <= 0xdfff) tail = tail.slice(1);
  return `${head(message, keep)} …[${message.length - keep * 2} characters left out]… ${tail}`;
}
