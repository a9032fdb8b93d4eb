/** What the access-codes feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { createAccessCode } from './access-codes.service.ts';
