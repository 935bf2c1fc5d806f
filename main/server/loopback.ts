/** Whether a `--host` binds to loopback only (SPEC 15.1): decided on the addresses the name resolves to. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** True for an IPv4 address in 127.0.0.0/8, `::1`, and IPv4-mapped loopback (`::ffff:127.x.y.z`). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (isIP(a) === 4) return a.startsWith('127.');
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped !== null && (mapped[1] as string).startsWith('127.');
}

/**
 * Whether every address `host` resolves to is loopback; false when it does not resolve (the bind would fail anyway)
 * or resolves to any other address, such as 0.0.0.0 behind an innocent-looking name.
 */
export async function bindsLoopbackOnly(host: string): Promise<boolean> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return isLoopbackAddress(bare);
  try {
    const addresses = await lookup(bare, { all: true, verbatim: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false;
  }
}
