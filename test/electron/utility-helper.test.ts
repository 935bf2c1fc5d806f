// The launcher helper in an Electron utility process (with the runAsNode fuse off, fork() cannot start Node):
// the Launcher drives it through the adapter, and the helper's side bridges process.parentPort to Node's child IPC.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  bridgeParentPort,
  DISCONNECT,
  EXIT_GRACE_MS,
  utilitySpawner,
  type ParentPortLike,
} from '../../main/electron/utility-helper.js';
import { Launcher } from '../../main/procs/launcher.js';
import type { LaunchRequest } from '../../main/procs/protocol.js';
import { FakeUtilityChild } from '../fakes/electron.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

const spec = { argv: ['true'], env: {}, cwd: '/', runDir: '/tmp/x' };

describe('launcher helper in a utility process', () => {
  it('the Launcher forks the shim once, posts requests, settles replies and disconnects on close', async () => {
    const forks: { path: string; options: unknown }[] = [];
    const child = new FakeUtilityChild();
    const launcher = new Launcher(
      utilitySpawner((path, _args, options) => {
        forks.push({ path, options });
        return child;
      }, '/app/dist/main/electron/launcher-utility.js'),
    );
    const reply = launcher.launch(spec);
    expect(forks).toEqual([
      {
        path: '/app/dist/main/electron/launcher-utility.js',
        options: { serviceName: 'Apsis launcher helper', stdio: 'inherit' },
      },
    ]);
    const [request] = child.posted as LaunchRequest[];
    expect(request?.spec).toEqual(spec);
    child.emit('message', { id: request?.id, result: { ok: false, error: 'no perl' } });
    expect(await reply).toEqual({ ok: false, error: 'no perl' });
    expect(launcher.stats()).toMatchObject({ helper_pid: 4242, helper_starts: 1, failed: 1 });

    const closed = launcher.close();
    await Promise.resolve();
    expect(child.posted.at(-1)).toEqual(DISCONNECT);
    child.emit('exit', 0);
    await closed;
  });

  it('a helper that exits fails the launches it had not answered, and the next launch starts a new one', async () => {
    const children = [new FakeUtilityChild(), new FakeUtilityChild()];
    let n = 0;
    const launcher = new Launcher(utilitySpawner(() => children[n++] as FakeUtilityChild, '/shim.js'));
    const lost = launcher.launch(spec);
    children[0]?.emit('exit', 1);
    expect(await lost).toEqual({ ok: false, error: 'launcher helper exited (code 1) before replying' });
    const again = launcher.launch(spec);
    const [request] = children[1]?.posted as LaunchRequest[];
    children[1]?.emit('message', { id: request?.id, result: { ok: false, error: 'later' } });
    expect(await again).toEqual({ ok: false, error: 'later' });
    children[1]?.emit('exit', 0);
    await launcher.close();
  });

  it('a disconnected helper that does not exit is killed after a grace period', async () => {
    vi.useFakeTimers();
    try {
      const child = new FakeUtilityChild();
      const launcher = new Launcher(utilitySpawner(() => child, '/shim.js'));
      const reply = launcher.launch(spec);
      const [request] = child.posted as LaunchRequest[];
      child.emit('message', { id: request?.id, result: { ok: false, error: 'x' } });
      await reply;
      const closed = launcher.close();
      await vi.advanceTimersByTimeAsync(EXIT_GRACE_MS - 1);
      expect(child.killed).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(child.killed).toBe(true);
      await closed;
    } finally {
      vi.useRealTimers();
    }
  });

  it('inside the utility process, parentPort carries process.send, message and disconnect', () => {
    const port = new EventEmitter() as EventEmitter & ParentPortLike;
    const posted: unknown[] = [];
    port.postMessage = (m) => void posted.push(m);
    const got: unknown[] = [];
    let disconnected = false;
    let send: ((message: unknown, ...rest: unknown[]) => boolean) | undefined;
    bridgeParentPort(port, {
      setSend: (s) => (send = s),
      deliver: (m) => got.push(m),
      disconnect: () => (disconnected = true),
    });

    port.emit('message', { data: { id: 1, spec } });
    expect(got).toEqual([{ id: 1, spec }]);
    let acked: unknown = 'no';
    // As launcher-child.ts calls it: process.send(reply, undefined, {}, callback).
    expect(send?.({ id: 1, result: { ok: true } }, undefined, {}, (e: Error | null) => (acked = e))).toBe(
      true,
    );
    expect(posted).toEqual([{ id: 1, result: { ok: true } }]);
    expect(acked).toBeNull();
    port.emit('message', { data: DISCONNECT });
    expect(disconnected).toBe(true);
  });
});
