import type { FormEvent } from 'react';

/** The named fields of a submitted form, as strings (unchecked checkboxes are absent). */
export function formValues(event: FormEvent<HTMLFormElement>): Record<string, string> {
  event.preventDefault();
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(event.currentTarget)) if (typeof value === 'string') values[name] = value;
  return values;
}

/** A one-time token from the address bar, removed from it (and so from history) once read. */
export function takeTokenFromAddressBar(token: string | undefined): string | undefined {
  if (token) {
    const url = new URL(window.location.href);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return token;
}
