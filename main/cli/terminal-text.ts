/**
 * Text from a server made safe for a terminal (issue 15 item 8). A job ID, an arg or a log message may hold escape
 * sequences: ESC and CSI (C0 and C1 controls) change the title, clear the screen or write the clipboard (OSC 52), and
 * bidirectional overrides make a line read differently than it is. The CLI shows every such character escaped
 * (`\x1b`, `\u202e`) and keeps printable Unicode as it is.
 */

/**
 * Characters shown escaped in a text line: C0 controls but tab, DEL, C1 controls (U+0080-U+009F, CSI is U+009B), the
 * line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what this finds
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Characters JSON.stringify leaves raw that a terminal would act on: DEL, C1, separators, bidi controls. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character shown as an escape (`\x1b`, `\n`, `\u009b` as `\x9b`); tabs kept. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** JSON text (indented by 2) in which nothing a terminal acts on is left raw; it parses to the same value. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Output bytes made safe for a terminal, chunk by chunk: decoded as UTF-8 (a character split between chunks is kept
 * whole, invalid bytes become U+FFFD), newlines and tabs kept, a CR kept only before an LF (a lone CR would let a line
 * overwrite what came before it), every other control character escaped.
 */
export class TerminalEscaper {
  private readonly decoder = new TextDecoder('utf-8');
  /** A CR at the end of the last chunk, waiting to see whether an LF follows. */
  private pendingCr = false;

  /** The safe text of `chunk`; `end()` gives what is held back at the end. */
  push(chunk: Uint8Array): string {
    return this.escape(this.decoder.decode(chunk, { stream: true }), false);
  }

  /** What was held back (an incomplete character, a final CR). */
  end(): string {
    return this.escape(this.decoder.decode(), true);
  }

  private escape(decoded: string, last: boolean): string {
    let text = (this.pendingCr ? '\r' : '') + decoded;
    this.pendingCr = false;
    if (!last && text.endsWith('\r')) {
      this.pendingCr = true;
      text = text.slice(0, -1);
    }
    return text.replace(UNSAFE, (c, offset: number) =>
      c === '\n' || (c === '\r' && text[offset + 1] === '\n') ? c : escapeOne(c),
    );
  }
}
