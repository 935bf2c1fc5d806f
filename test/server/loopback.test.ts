// `--host` is loopback only when every address it resolves to is (SPEC 15.1, issue 15 item 6).
import { describe, expect, it } from 'vitest';
import { bindsLoopbackOnly, isLoopbackAddress } from '../../main/server/loopback.js';

describe('loopback hosts', () => {
  it('decides on addresses, not on how the text starts', async () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '10.0.0.1', '::', '::ffff:10.0.0.1', '1.2.7.1'])
      expect(isLoopbackAddress(a), a).toBe(false);
    expect(await bindsLoopbackOnly('localhost')).toBe(true);
    expect(await bindsLoopbackOnly('127.0.0.2')).toBe(true);
    expect(await bindsLoopbackOnly('[::1]')).toBe(true);
    expect(await bindsLoopbackOnly('0.0.0.0')).toBe(false);
    // A name that merely starts like a loopback address resolves to something else, or to nothing.
    expect(await bindsLoopbackOnly('127.example.invalid')).toBe(false);
  });
});
