/** Diagnostics of the desktop glue: one scoped logger per module, on the main process's stderr. */

export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function scopedLog(scope: string): Log {
  const prefix = `apsis ${scope}:`;
  return {
    info: (...args) => console.log(prefix, ...args),
    warn: (...args) => console.warn(prefix, ...args),
    error: (...args) => console.error(prefix, ...args),
  };
}
