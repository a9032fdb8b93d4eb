import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import '../modules/auth/auth.graphql.ts';
import '../modules/api-keys/api-keys.graphql.ts';
import '../modules/events/events.graphql.ts';
import '../modules/events/event-stats.graphql.ts';
import '../modules/ticket-types/ticket-types.graphql.ts';
import '../modules/custom-fields/custom-fields.graphql.ts';
import '../modules/webhooks/webhooks.graphql.ts';
import '../modules/emails/emails.graphql.ts';
import '../modules/attendees/attendees.graphql.ts';
import '../modules/check-ins/check-ins.graphql.ts';
import '../modules/door/door.graphql.ts';
import '../modules/members/members.graphql.ts';
import '../modules/live/live.graphql.ts';
import '../modules/imports/imports.graphql.ts';
import '../modules/organisations/organisations.graphql.ts';
import '../modules/privacy/privacy.graphql.ts';
import '../modules/nodes/nodes.graphql.ts';

/** The whole GraphQL schema; `npm run schema:print` writes it to schema.graphql. */
export const schema = builder.toSchema();

export const sortedSchema = lexicographicSortSchema(schema);
