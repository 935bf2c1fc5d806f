/** A registry of types keyed by the `type` string of the job file (programs, conditions, actions). */
import { quoted } from '../shared/model/clip.js';
import { didYouMean } from './jobs/did-you-mean.js';

export class Registry<T> {
  private readonly entries = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(type: string, entry: T): this {
    this.entries.set(type, entry);
    return this;
  }

  get(type: string): T | undefined {
    return this.entries.get(type);
  }

  types(): string[] {
    return [...this.entries.keys()];
  }

  /** `unknown program type 'shel' (did you mean 'shell'?); known types: ...`. */
  unknownMessage(type: string, visible: readonly string[] = this.types()): string {
    const hint = didYouMean(type, visible);
    return `unknown ${this.kind} type ${quoted(type)}${hint === null ? '' : ` (did you mean ${quoted(hint)}?)`}; known types: ${visible.join(', ')}`;
  }
}
