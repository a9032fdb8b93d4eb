/** What the privacy feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { eraseRegistration } from './privacy.service.ts';
