// Writes the app icons (build/icon.png 1024x1024, build/tray.png 32x32 and tray@2x.png 64x64): a clock face on a
// rounded blue square. Plain zlib PNG encoding, no image library. Run: node build/make-icons.js
import { writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { URL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const here = new URL('.', import.meta.url);

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG of `size` x `size` RGBA pixels from `pixel(x, y) -> [r, g, b, a]` (x, y in 0..1). */
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none), then RGBA
    for (let x = 0; x < size; x += 1) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size, 1 / size);
      row.set([r, g, b, a], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Coverage in 0..1 of a shape at signed distance `d` (negative inside), smoothed over one pixel `px`. */
const cover = (d, px) => Math.min(1, Math.max(0, 0.5 - d / px));

/** Distance from (x, y) to the segment (ax, ay)-(bx, by). */
function segment(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

function clockIcon(x, y, px) {
  // Rounded square background.
  const m = 0.06;
  const r = 0.2;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  const bg = cover(Math.hypot(qx, qy) - r, px);
  // Clock: a ring, two hands and a centre dot, in white.
  const d = Math.hypot(x - 0.5, y - 0.5);
  const ring = cover(Math.abs(d - 0.3) - 0.035, px);
  const hour = cover(segment(x, y, 0.5, 0.5, 0.5, 0.3) - 0.03, px);
  const minute = cover(segment(x, y, 0.5, 0.5, 0.66, 0.58) - 0.025, px);
  const white = Math.max(ring, hour, minute);
  const blue = [31, 111, 235];
  const c = blue.map((v) => Math.round(v + (255 - v) * white));
  return [...c, Math.round(255 * bg)];
}

function trayIcon(x, y, px) {
  // A monochrome clock on transparent ground, readable in light and dark panels (grey).
  const d = Math.hypot(x - 0.5, y - 0.5);
  const ring = cover(Math.abs(d - 0.38) - 0.07, px);
  const hand = Math.max(
    cover(segment(x, y, 0.5, 0.5, 0.5, 0.22) - 0.06, px),
    cover(segment(x, y, 0.5, 0.5, 0.7, 0.6) - 0.06, px),
  );
  return [128, 128, 128, Math.round(255 * Math.max(ring, hand))];
}

writeFileSync(new URL('icon.png', here), png(1024, clockIcon));
writeFileSync(new URL('tray.png', here), png(32, trayIcon));
writeFileSync(new URL('tray@2x.png', here), png(64, trayIcon));
