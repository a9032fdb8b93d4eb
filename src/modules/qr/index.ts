/** What the qr feature offers the others: they import it from here only (.dependency-cruiser.cjs). */

export { qrCodeUrl, ticketContent } from './qr.service.ts';
export { qrPng } from './qr-png.ts';
