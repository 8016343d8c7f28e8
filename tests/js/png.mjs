// Minimal image helpers for the tests: write an RGB PNG, read an X11 XWD screenshot.
import { deflateSync } from 'node:zlib';

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes `rgb` (width * height * 3 bytes) as a PNG. */
export function encodePng(width, height, rgb) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Decodes a 24/32-bit TrueColor XWD (as `xwd -root` writes) to { width, height, rgb }. */
export function decodeXwd(buf) {
  const u = (i) => buf.readUInt32BE(i * 4);
  const [headerSize, version, , depth, width, height] = [u(0), u(1), u(2), u(3), u(4), u(5)];
  if (version !== 7 || depth < 24) throw new Error(`unsupported XWD (version ${version}, depth ${depth})`);
  const byteOrder = u(7);
  const bpp = u(11);
  const bytesPerLine = u(12);
  const ncolors = u(19);
  const [rmask, gmask, bmask] = [u(14), u(15), u(16)];
  const data = headerSize + ncolors * 12;
  const rgb = new Uint8Array(width * height * 3);
  const shift = (m) => 31 - Math.clz32(m & -m);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = data + y * bytesPerLine + x * (bpp / 8);
      const p = bpp === 32 ? (byteOrder === 0 ? buf.readUInt32LE(o) : buf.readUInt32BE(o)) : byteOrder === 0 ? buf.readUIntLE(o, 3) : buf.readUIntBE(o, 3);
      const i = (y * width + x) * 3;
      rgb[i] = (p & rmask) >>> shift(rmask);
      rgb[i + 1] = (p & gmask) >>> shift(gmask);
      rgb[i + 2] = (p & bmask) >>> shift(bmask);
    }
  }
  return { width, height, rgb };
}
