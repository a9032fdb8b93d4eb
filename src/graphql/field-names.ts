import { AppError } from '../lib/errors.ts';

/** REST-style field keys (first_name, custom_data.company) as GraphQL input names (firstName, customData.company). */
export function toGraphQLFieldName(key: string): string {
  return key
    .split('.')
    .map((part, i) => (i === 0 ? part.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : part))
    .join('.');
}

/** Runs a service that speaks REST field names and reports its validation errors under GraphQL's. */
export async function withGraphQLFieldNames<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors) {
      throw new AppError(error.code, error.message, {
        fieldErrors: Object.fromEntries(Object.entries(error.fieldErrors).map(([key, messages]) => [toGraphQLFieldName(key), messages])),
        ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
        headers: error.headers,
      });
    }
    throw error;
  }
}
