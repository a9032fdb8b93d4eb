/** What the custom-fields feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { CustomFieldRef } from './custom-fields.graphql.ts';
export { createCustomField } from './custom-fields.service.ts';
