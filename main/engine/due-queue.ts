/**
 * A min-heap of (time, item) with lazy cancellation: cancelling marks the entry, and cancelled entries are
 * dropped when they reach the top or when they outnumber the live ones (SPEC 17.2, D14).
 */

interface Entry<T> {
  time: number;
  seq: number;
  item: T;
  cancelled: boolean;
}

export interface DueHandle {
  cancel(): void;
}

export class DueQueue<T> {
  private heap: Entry<T>[] = [];
  private live = 0;
  private seq = 0;

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** Heap length including cancelled entries not yet removed. */
  get heapSize(): number {
    return this.heap.length;
  }

  push(time: number, item: T): DueHandle {
    const entry: Entry<T> = { time, seq: this.seq++, item, cancelled: false };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    this.live += 1;
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.live -= 1;
        if (this.heap.length > 2 * this.live + 64) this.compact();
      },
    };
  }

  /** Time of the earliest live entry, or undefined. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.time;
  }

  /**
   * Removes and returns live entries from the front, in time order (ties in insertion order), while `take` accepts
   * the earliest one: a prefix of the queue, so every entry before the last one taken has been taken.
   */
  popWhile(take: (time: number, item: T) => boolean): { time: number; item: T }[] {
    const out: { time: number; item: T }[] = [];
    for (;;) {
      this.dropCancelledTop();
      const top = this.heap[0];
      if (top === undefined || !take(top.time, top.item)) return out;
      this.popTop();
      top.cancelled = true;
      this.live -= 1;
      out.push({ time: top.time, item: top.item });
    }
  }

  /** Removes and returns every live item with time <= t, in time order (ties in insertion order). */
  popDue(t: number): T[] {
    return this.popWhile((time) => time <= t).map((e) => e.item);
  }

  private dropCancelledTop(): void {
    while (this.heap[0]?.cancelled === true) this.popTop();
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.cancelled);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i -= 1) this.down(i);
  }

  private popTop(): void {
    const last = this.heap.pop();
    if (last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i] as Entry<T>;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Entry<T>;
      if (!this.less(e, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = e;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as Entry<T>;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(h[right] as Entry<T>, h[child] as Entry<T>)) child = right;
      if (!this.less(h[child] as Entry<T>, e)) break;
      h[i] = h[child] as Entry<T>;
      i = child;
    }
    h[i] = e;
  }
}
