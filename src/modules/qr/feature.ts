import type { Feature } from '../../lib/feature.ts';
import { qrRoutes } from './qr.rest.ts';

/** Tickets' QR code images. */
export const feature: Feature = {
  name: 'qr',
  routes: [...qrRoutes],
};
