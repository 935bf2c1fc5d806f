/**
 * Browser notifications of failures while a console tab is open (SPEC 19.8): asked for from a button, never on
 * load; remembered in the browser. The desktop app has its own notifications (main/electron), so this is for the
 * browser only.
 */
import type { RunSummary } from '../../../shared/model/run.js';

const KEY = 'apsis-alerts';

export type AlertState = 'unsupported' | 'off' | 'on' | 'denied';

export class Alerts {
  state: AlertState = $state(initial());

  /** Asks the browser for permission (from a click), then turns alerts on. */
  async enable(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    const permission = await Notification.requestPermission();
    this.state = permission === 'granted' ? 'on' : permission === 'denied' ? 'denied' : 'off';
    if (this.state === 'on') localStorage.setItem(KEY, 'on');
  }

  disable(): void {
    localStorage.removeItem(KEY);
    this.state = initial();
  }

  /** A run changed state: a failure or an error is shown, clicking it opens the run. */
  transition(run: RunSummary): void {
    if (this.state !== 'on' || (run.state !== 'failure' && run.state !== 'error')) return;
    const n = new Notification(`${run.run_id} ${run.state} · ${run.job_id}`, {
      body: Object.entries(run.args)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      tag: run.run_id,
    });
    n.onclick = () => {
      window.focus();
      window.location.hash = `#/runs/${encodeURIComponent(run.run_id)}`;
      n.close();
    };
  }
}

function initial(): AlertState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on' ? 'on' : 'off';
}
