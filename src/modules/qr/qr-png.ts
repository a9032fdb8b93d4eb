import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';

/** The ticket image's size: about this many pixels square (a whole number of pixels per module). */
const TARGET_PX = 320;
const MARGIN_MODULES = 2;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A QR code (error correction M, a quiet zone of 2 modules) as a black-and-white PNG of about 320 px, for e-mails
 * and GET /qr/{id}.png. The matrix comes from the qrcode library; the image is written here, one bit per pixel:
 * qrcode's PNG path (pngjs: RGBA pixels set one by one, every filter tried per row) took 6–8 ms per ticket, the
 * largest cost of a confirmation e-mail (10 s of a 28 s profile for 2,000 mails); this takes about 1.3 ms, nearly all of it qrcode choosing the mask.
 * Every module is a whole number of pixels, so the edges stay sharp at any scale.
 */
export function qrPng(text: string): Buffer {
  // One byte-mode segment: ticket contents are lower-case tokens and base64url, which byte mode encodes as well as
  // any mix would, and skipping qrcode's search for the best mix of segments halves the time create() takes.
  const { modules } = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M' });
  const count = modules.size + 2 * MARGIN_MODULES;
  const scale = Math.max(1, Math.floor(TARGET_PX / count));
  const size = count * scale;
  const rowBytes = Math.ceil(size / 8);
  // One module row is `scale` identical pixel rows: each starts with its filter byte (0: none); a set bit is white.
  const raw = Buffer.alloc((rowBytes + 1) * size);
  const row = Buffer.alloc(rowBytes);
  for (let my = 0; my < count; my++) {
    row.fill(0);
    for (let px = 0; px < size; px++) {
      const mx = Math.floor(px / scale) - MARGIN_MODULES;
      const y = my - MARGIN_MODULES;
      const dark = mx >= 0 && y >= 0 && mx < modules.size && y < modules.size && modules.get(y, mx);
      if (!dark) row[px >> 3]! |= 0x80 >> (px & 7);
    }
    for (let r = 0; r < scale; r++) row.copy(raw, (my * scale + r) * (rowBytes + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 1; // bit depth 1
  header[9] = 0; // greyscale
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
