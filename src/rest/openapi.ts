import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RestRoute } from './route.ts';

/**
 * OpenAPI 3.1 for REST v1, generated from the routes the server mounts (the features' `routes`, each declared
 * next to its handler) and the zod schemas their handlers validate with.
 */
function buildDocument(routes: readonly RestRoute[]) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer eg_live_… (or eg_test_… for the sandbox)',
  });
  const legacy = registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Legacy header, accepted for backwards compatibility',
  });
  const device = registry.registerComponent('securitySchemes', 'deviceToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer eg_dev_… — a scanner device’s token; valid only on /v1/scanner/* for its event',
  });
  const security = {
    apiKey: [{ [bearer.name]: [] }, { [legacy.name]: [] }],
    public: [],
    device: [{ [device.name]: [] }],
  } satisfies Record<RestRoute['auth'], unknown>;

  for (const route of routes) {
    const underV1 = route.path.startsWith('/v1/');
    registry.registerPath({
      ...route.document,
      method: route.method,
      path: underV1 ? route.path.slice('/v1'.length) : route.path,
      security: security[route.auth],
      ...(underV1 ? {} : { servers: [{ url: '/' }] }),
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'EventoGate REST API',
      version: 'v1',
      description: 'Register attendees, manage events, and trigger automations — all via a simple REST API.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Registrations', description: 'Register attendees with an API key, list, retrieve and export them.' },
      { name: 'Check-in', description: 'Door scans and manual check-ins.' },
      { name: 'Public form', description: 'The keyless, rate-limited endpoints a public registration form calls.' },
      { name: 'Scanner', description: 'For door devices (a scanner device token): sync tickets, upload offline scans.' },
    ],
    servers: [{ url: '/v1' }],
  });
}

const documents = new WeakMap<readonly RestRoute[], ReturnType<typeof buildDocument>>();

/** The document for these routes (built once per list), served from `publicUrl`. */
export function openApiDocument(routes: readonly RestRoute[], publicUrl: string) {
  let document = documents.get(routes);
  if (!document) {
    document = buildDocument(routes);
    documents.set(routes, document);
  }
  return { ...document, servers: [{ url: `${publicUrl}/v1` }] };
}
