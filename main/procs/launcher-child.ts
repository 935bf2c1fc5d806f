/**
 * The launcher helper: a small Node process, forked once by the engine, that starts supervisors.
 * fork/exec cost grows with the parent's memory (~945 spawns/s at 55 MB RSS, ~18/s at 1.8 GB), so the
 * big engine process never spawns job processes itself. It lives as long as its IPC channel.
 */
import { isLaunchRequest, type LaunchReply } from './protocol.js';
import { findPerl, SupervisorForker } from './supervisor.js';
import type { LaunchResult, ProcessSpec } from './local-process.js';

const perl = findPerl();
const forker = perl === null ? null : new SupervisorForker(perl);
let inFlight = 0;
let disconnected = false;

// Ctrl-C in a terminal reaches the whole foreground group; the engine decides when to shut down, and
// closes our channel then.
process.on('SIGINT', () => {});

process.on('message', (m: unknown) => {
  if (!isLaunchRequest(m)) return;
  inFlight++;
  void launch(m.spec, m.notBefore).then((result) => {
    inFlight--;
    // A channel closing under us is handled by 'disconnect'; the callback keeps a send error from crashing.
    if (!disconnected) process.send?.({ id: m.id, result } satisfies LaunchReply, undefined, {}, () => {});
    else if (inFlight === 0) exit();
  });
});

process.on('disconnect', () => {
  disconnected = true;
  // Supervisors already started live on in their own sessions; one mid-handshake finishes first.
  if (inFlight === 0) exit();
});

function exit(): void {
  forker?.close();
  process.exit(0);
}

async function launch(spec: ProcessSpec, notBefore: number | undefined): Promise<LaunchResult> {
  if (forker === null) {
    return {
      ok: false,
      error: 'cannot run local processes: no perl in PATH (the process supervisor is a perl script)',
    };
  }
  try {
    return await forker.start(spec, notBefore);
  } catch (e) {
    return { ok: false, error: `launcher: ${e instanceof Error ? e.message : String(e)}` };
  }
}
