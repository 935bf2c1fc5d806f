/** The remote agent's wire format (see agent-script.ts): a header line ending in a body length, then the body. */

/** One message from the agent: the header's tokens (the length taken off) and the body. */
export interface AgentMessage {
  head: string[];
  body: Buffer;
}

/** Longest header line the agent writes; anything longer means the stream is not the agent's. */
const MAX_HEADER = 200;
/** Largest body: output chunks are 64 KiB, result files and folder paths far smaller. */
const MAX_BODY = 1024 * 1024;

/** Encodes a request: `tokens` (no spaces or newlines in them), then `fields` joined by NUL as the body. */
export function encodeRequest(tokens: (string | number)[], fields: string[] = []): Buffer {
  const body = Buffer.from(fields.join('\0'));
  return Buffer.concat([Buffer.from(`${tokens.join(' ')} ${body.length}\n`), body]);
}

/**
 * The agent's first line. What comes before it on the session's stdout (a login script printing a greeting) is not
 * the agent's and is skipped.
 */
export const AGENT_HELLO = 'apsis-agent 1\n';
/** Most bytes skipped before AGENT_HELLO. */
const MAX_PREAMBLE = 64 * 1024;

/** Splits the agent's stdout into messages; throws on bytes that are not the agent's format. */
export class MessageReader {
  #buffer: Buffer = Buffer.alloc(0);
  #synced = false;

  /** The messages completed by `chunk`, in order. */
  push(chunk: Buffer): AgentMessage[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: AgentMessage[] = [];
    if (!this.#synced) {
      const at = this.#buffer.indexOf(AGENT_HELLO);
      if (at < 0) {
        if (this.#buffer.length > MAX_PREAMBLE) throw new Error('agent: no greeting from the agent');
        return out;
      }
      this.#synced = true;
      this.#buffer = this.#buffer.subarray(at + AGENT_HELLO.length);
    }
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl < 0) {
        if (this.#buffer.length > MAX_HEADER) throw new Error('agent: header line too long');
        return out;
      }
      if (nl > MAX_HEADER) throw new Error('agent: header line too long');
      const head = this.#buffer.subarray(0, nl).toString('latin1').split(' ');
      const length = Number(head.pop());
      if (!Number.isSafeInteger(length) || length < 0 || length > MAX_BODY)
        throw new Error(`agent: bad message header '${head.join(' ')}'`);
      if (this.#buffer.length < nl + 1 + length) return out;
      // A copy: the consumer may keep the body while the buffer is reused.
      const body = Buffer.from(this.#buffer.subarray(nl + 1, nl + 1 + length));
      this.#buffer = this.#buffer.subarray(nl + 1 + length);
      out.push({ head, body });
    }
  }
}
