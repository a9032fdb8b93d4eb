/** What the api-keys feature offers the others: they import it from here only (.dependency-cruiser.cjs). */

export { createApiKey, findApiKeyActor, looksLikeApiKey } from './api-keys.service.ts';
