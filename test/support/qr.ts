import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with `export default`; under NodeNext its default import is the module object.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default ?? jsQRModule;

/** What a QR code PNG says, read the way a phone's camera would (jsQR), or null. */
export function decodeQrPng(bytes: Buffer): string | null {
  const png = PNG.sync.read(bytes);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}
