/** What the quotas feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { createQuota } from './quotas.service.ts';
