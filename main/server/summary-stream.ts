/**
 * The summary stream over WebSocket (SPEC 16.1): the transport-neutral summary feed of main/service, sent as JSON
 * frames. A client that falls too far behind is closed with 1013 and reconnects with init.
 */
import type { WebSocket } from 'ws';
import type { App } from '../engine/app.js';
import { summaryFeed } from '../service/feeds.js';

const MAX_BUFFERED = 64 * 1024 * 1024;

export function serveSummary(app: App, ws: WebSocket, init: boolean): void {
  const stop = summaryFeed(
    app,
    (frame) => {
      // The same text for every client: serialized once per frame (SummaryFrame.json).
      if (ws.readyState === ws.OPEN) ws.send(frame.json());
    },
    {
      init,
      tooSlow: () => ws.bufferedAmount > MAX_BUFFERED,
      onOverflow: () => ws.close(1013, 'client too slow; reconnect with init'),
    },
  );
  ws.on('close', stop);
}
