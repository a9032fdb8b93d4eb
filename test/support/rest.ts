import { type HttpResult, http } from './http.ts';

/** The seed page's example request body, verbatim. */
export const SEED_REQUEST = {
  first_name: 'Sarah',
  last_name: 'Chen',
  email: 'sarah@example.com',
  phone: '+1234567890',
  country: 'US',
  ticket_type_slug: 'general',
  custom_data: {
    company: 'Acme Corp',
    job_title: 'Product Manager',
  },
};

export function registrationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { first_name: 'Ada', last_name: 'Lovelace', email: `ada.${Math.random().toString(36).slice(2)}@example.com`, ...overrides };
}

/** POST /v1/events/{id}/registrations with a key (Bearer unless `headers` say otherwise) and a JSON or raw body. */
export async function postRegistration(
  baseUrl: string,
  eventId: string,
  body: unknown,
  options: { key?: string; headers?: Record<string, string>; raw?: boolean } = {},
): Promise<HttpResult<any>> {
  return await http(`${baseUrl}/v1/events/${eventId}/registrations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: options.raw ? (body as string) : JSON.stringify(body),
  });
}

export async function getJson(baseUrl: string, path: string, key?: string): Promise<HttpResult<any>> {
  return await http(`${baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
}
