import jsQR from 'jsqr';

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>>;
}

/** The browser's own QR reader where it has one (Android Chrome, Safari 17+), else jsQR (Linux Chromium has none). */
function qrReader(): (canvas: HTMLCanvasElement, image: ImageData) => Promise<string | null> {
  const Native = (globalThis as { BarcodeDetector?: new (options: { formats: string[] }) => BarcodeDetectorLike }).BarcodeDetector;
  if (Native) {
    const detector = new Native({ formats: ['qr_code'] });
    return async (canvas) => (await detector.detect(canvas))[0]?.rawValue ?? null;
  }
  return async (_canvas, image) => jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/**
 * The rear camera, read five times a second (not while `busy`: a code is being answered); each code read goes to
 * `onCode`. Answers false when there is no camera (or no permission).
 */
export async function startCamera(video: HTMLVideoElement, options: { busy: () => boolean; onCode: (code: string) => Promise<void> }): Promise<boolean> {
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
    await video.play();
    performance.mark('eventogate:camera-ready');
  } catch {
    return false;
  }
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const read = qrReader();
  const tick = async () => {
    try {
      if (video.videoWidth > 0) {
        const scale = Math.min(1, 480 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const code = options.busy() ? null : await read(canvas, context.getImageData(0, 0, canvas.width, canvas.height));
        if (code) await options.onCode(code);
      }
    } catch (error) {
      console.error(error);
    } finally {
      setTimeout(() => void tick(), 200);
    }
  };
  void tick();
  return true;
}
