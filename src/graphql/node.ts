import { ID_PREFIX, type IdKind } from '../lib/ids.ts';
import { builder } from './builder.ts';

/** The GraphQL type of each TypeID prefix: every object with a TypeID is a Node. */
export const NODE_TYPENAMES: Partial<Record<IdKind, string>> = {
  organisation: 'Organisation',
  user: 'User',
  event: 'Event',
  ticketType: 'TicketType',
  customField: 'CustomField',
  attendee: 'Attendee',
  apiKey: 'ApiKey',
  webhookEndpoint: 'WebhookEndpoint',
  webhookDelivery: 'WebhookDelivery',
  webhookAttempt: 'WebhookAttempt',
  membership: 'Member',
  session: 'Session',
  emailLog: 'EmailLog',
  importJob: 'ImportJob',
  invitation: 'Invitation',
  zone: 'Zone',
  scan: 'Scan',
  scannerDevice: 'ScannerDevice',
};

const KIND_BY_PREFIX = new Map(Object.entries(ID_PREFIX).map(([kind, prefix]) => [prefix, kind as IdKind]));

/** The kind of a TypeID by its prefix (`evt_…` → event); null for anything else. */
export function kindOf(id: string): IdKind | null {
  const cut = id.lastIndexOf('_');
  return cut > 0 ? (KIND_BY_PREFIX.get(id.slice(0, cut) as never) ?? null) : null;
}

/**
 * Relay's Node, over the TypeIDs clients already hold (no opaque global ids): `node(id:)` and `nodes(ids:)`
 * let a normalising cache (Relay, urql, Apollo) refetch anything it has seen.
 */
export const NodeRef = builder.interfaceRef<{ id: string }>('Node').implement({
  description: 'An object with a TypeID; fetch any of them again with node(id:) or nodes(ids:).',
  fields: (t) => ({ id: t.exposeID('id') }),
  resolveType: (value) => {
    const kind = kindOf(value.id);
    return (kind && NODE_TYPENAMES[kind]) || null;
  },
});
