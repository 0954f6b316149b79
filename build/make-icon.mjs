// Draws the app icon (build/icon.png, 512×512 RGBA) without dependencies:
// a rounded blue square, a faint grid, the stable version's traffic line and
// the canary's weight stepping up (yellow), antialiased by supersampling,
// encoded as PNG with node:zlib. electron-builder derives every platform's
// icon from it. Run: node build/make-icon.mjs
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SUB = 4; // samples per pixel per axis

// ---- shapes (signed distances in pixels) ----
function roundedRect(x, y, x0, y0, x1, y1, r) {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segment(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

function polyline(x, y, pts) {
  let d = Infinity;
  for (let i = 1; i < pts.length; i++) d = Math.min(d, segment(x, y, pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1]));
  return d;
}

// The stable version's traffic: a gentle wave across the chart.
const stable = [];
for (let i = 0; i <= 48; i++) {
  const x = 96 + (i / 48) * 320;
  stable.push([x, 300 + 22 * Math.sin(i / 5) + 10 * Math.sin(i / 1.7)]);
}
// The canary's weight: steps up (Flagger's stepWeight), then promotion.
const canary = [
  [96, 400],
  [160, 400],
  [160, 352],
  [224, 352],
  [224, 304],
  [288, 304],
  [288, 256],
  [352, 256],
  [352, 176],
  [400, 176],
];

const mix = (a, b, t) => a + (b - a) * t;

/** The colour at a sample point: [r, g, b, a], all 0..1, layers composited over transparency. */
function sample(x, y) {
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 0;
  const over = (cr, cg, cb, ca) => {
    r = cr * ca + r * (1 - ca);
    g = cg * ca + g * (1 - ca);
    b = cb * ca + b * (1 - ca);
    a = ca + a * (1 - ca);
  };
  if (roundedRect(x, y, 16, 16, 496, 496, 104) > 0) return [0, 0, 0, 0];
  const t = y / SIZE;
  over(mix(0.06, 0.11, t), mix(0.16, 0.3, t), mix(0.3, 0.7, t), 1);
  // The grid.
  for (let gy = 128; gy <= 416; gy += 48) if (Math.abs(y - gy) < 1.5 && x > 80 && x < 432) over(1, 1, 1, 0.1);
  for (let gx = 96; gx <= 416; gx += 64) if (Math.abs(x - gx) < 1.5 && y > 112 && y < 432) over(1, 1, 1, 0.06);
  // The axes.
  if (polyline(x, y, [[80, 112], [80, 432], [432, 432]]) < 5) over(0.85, 0.9, 1, 0.7);
  if (polyline(x, y, stable) < 7) over(0.78, 0.86, 0.98, 0.9);
  if (polyline(x, y, canary) < 11) over(0.98, 0.8, 0.08, 1);
  // The canary's head.
  if (Math.hypot(x - 400, y - 176) < 26) over(0.98, 0.8, 0.08, 1);
  if (Math.hypot(x - 408, y - 170) < 6) over(0.07, 0.12, 0.25, 1);
  return [r, g, b, a];
}

function render() {
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const [cr, cg, cb, ca] = sample(px + (sx + 0.5) / SUB, py + (sy + 0.5) / SUB);
          // Premultiplied sums, so transparent samples do not darken the edge.
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * SIZE + px) * 4;
      const n = SUB * SUB;
      rgba[o] = a > 0 ? Math.round((r / a) * 255) : 0;
      rgba[o + 1] = a > 0 ? Math.round((g / a) * 255) : 0;
      rgba[o + 2] = a > 0 ? Math.round((b / a) * 255) : 0;
      rgba[o + 3] = Math.round((a / n) * 255);
    }
  }
  return rgba;
}

// ---- PNG encoding ----
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(rgba, width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  // Each row: filter type 0 (none), then the pixels.
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

writeFileSync(fileURLToPath(new URL('./icon.png', import.meta.url)), encodePng(render(), SIZE, SIZE));
