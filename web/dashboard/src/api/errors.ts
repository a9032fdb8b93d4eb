import type { CombinedError } from 'urql';

/** The first GraphQL error's code (CONTRACT §9: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, RATE_LIMITED…). */
export function errorCode(error: CombinedError | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What to tell a person: the API's own message (never a stack), or a plain network message. */
export function errorMessage(error: CombinedError | undefined): string | undefined {
  if (!error) return undefined;
  if (error.graphQLErrors.length > 0) {
    const first = error.graphQLErrors[0]!;
    const retry = first.extensions?.retryAfterSeconds;
    return typeof retry === 'number' ? `${first.message} Try again in ${retry} s.` : first.message;
  }
  return 'EventoGate could not be reached. Check your connection and try again.';
}

/**
 * BAD_USER_INPUT's field → messages map (`extensions.errors`, the same one REST returns), keyed by input field
 * names (`name`, `startsAt`, `customData.company`), to show each message next to its field.
 */
export function fieldErrors(error: CombinedError | undefined): Record<string, string> {
  const errors = error?.graphQLErrors[0]?.extensions?.errors;
  if (!errors || typeof errors !== 'object') return {};
  return Object.fromEntries(
    Object.entries(errors as Record<string, unknown>).map(([field, messages]) => [field, Array.isArray(messages) ? messages.join(' ') : String(messages)]),
  );
}

/** A BAD_USER_INPUT error's message when no field shows it (or any other error's message). */
export function formError(error: CombinedError | undefined, shownFields: readonly string[]): string | undefined {
  if (!error) return undefined;
  const byField = fieldErrors(error);
  const unshown = Object.entries(byField).filter(([field]) => !shownFields.includes(field));
  if (Object.keys(byField).length > 0 && unshown.length === 0) return undefined;
  if (unshown.length > 0) return unshown.map(([, message]) => message).join(' ');
  return errorMessage(error);
}
