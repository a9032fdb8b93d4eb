/** Small clients for the running server: raw HTTP (REST) and GraphQL over HTTP. */

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = unknown>(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult<T>> {
  const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the raw text is the body.
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions: { code: string; errors?: Record<string, string[]>; [key: string]: unknown };
}

export interface GraphQLResult<D = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data: D | null | undefined;
  errors: GraphQLErrorShape[] | undefined;
}

export async function graphql<D = any>(
  baseUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResult<D>> {
  const result = await http<{ data?: D; errors?: GraphQLErrorShape[] }>(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  if (typeof result.body !== 'object' || result.body === null) {
    throw new Error(`GraphQL answered ${result.status} with a non-JSON body: ${result.text.slice(0, 200)}`);
  }
  return { status: result.status, headers: result.headers, data: result.body.data, errors: result.body.errors };
}

/** The data of a GraphQL call that must succeed; fails the test with the errors otherwise. */
export async function graphqlOk<D = any>(baseUrl: string, query: string, options: { variables?: Record<string, unknown>; token?: string } = {}): Promise<D> {
  const result = await graphql<D>(baseUrl, query, options);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL call failed: ${JSON.stringify(result.errors)}`);
  return result.data;
}
