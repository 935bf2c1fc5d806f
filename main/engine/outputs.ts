/** Outputs of unfinished runs, held in memory and followed live (SPEC 11.6, 16.3). */

/** Most bytes of one run's output kept; the rest is counted and noted, so a flood cannot exhaust memory. */
export const OUTPUT_CAP = 16 * 1024 * 1024;

export class OutputBuffer {
  private chunks: Buffer[] = [];
  /** Bytes kept. */
  length = 0;
  /** Bytes dropped past the cap. */
  dropped = 0;
  /** Content type the output is stored with. */
  contentType = 'application/octet-stream';

  append(data: Buffer): Buffer {
    const room = OUTPUT_CAP - this.length;
    const kept = data.length <= room ? data : data.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      this.chunks.push(kept);
      this.length += kept.length;
    }
    this.dropped += data.length - kept.length;
    return kept;
  }

  /** All kept bytes, plus a note when some were dropped. */
  bytes(): Buffer {
    const data = Buffer.concat(this.chunks, this.length);
    if (this.chunks.length > 1) this.chunks = [data];
    if (this.dropped === 0) return data;
    return Buffer.concat([
      data,
      Buffer.from(`\n[output truncated: ${this.dropped} more bytes were not kept]\n`),
    ]);
  }
}
