/** What the members feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { organisationManagers } from './members.sql.ts';
