import { type Feature, featureJobs, featureRoutes } from './lib/feature.ts';
import { feature as apiKeys } from './modules/api-keys/index.ts';
import { feature as attendees } from './modules/attendees/index.ts';
import { feature as auth } from './modules/auth/index.ts';
import { feature as checkIns } from './modules/check-ins/index.ts';
import { feature as customFields } from './modules/custom-fields/index.ts';
import { feature as door } from './modules/door/index.ts';
import { feature as emails } from './modules/emails/index.ts';
import { feature as events } from './modules/events/index.ts';
import { feature as imports } from './modules/imports/index.ts';
import { feature as live } from './modules/live/index.ts';
import { feature as maintenance } from './modules/maintenance/index.ts';
import { feature as members } from './modules/members/index.ts';
import { feature as nodes } from './modules/nodes/index.ts';
import { feature as organisations } from './modules/organisations/index.ts';
import { feature as privacy } from './modules/privacy/index.ts';
import { feature as publicForms } from './modules/public-forms/index.ts';
import { feature as qr } from './modules/qr/index.ts';
import { feature as registrations } from './modules/registrations/index.ts';
import { feature as ticketTypes } from './modules/ticket-types/index.ts';
import { feature as webhooks } from './modules/webhooks/index.ts';

/**
 * Every feature of EventoGate, each from its own folder's index.ts (docs/architecture.md: the feature contract).
 * The kernel imports none of them: the app hands it this list. GraphQL types load and REST routes mount in this
 * order (a literal REST path before a parameter that would match it).
 */
export const FEATURES: readonly Feature[] = [
  auth,
  apiKeys,
  events,
  ticketTypes,
  customFields,
  webhooks,
  emails,
  qr,
  publicForms,
  registrations,
  attendees,
  checkIns,
  door,
  members,
  live,
  imports,
  organisations,
  privacy,
  nodes,
  maintenance,
];

/** Every REST v1 route, in mounting order (one list, so its OpenAPI document is built once). */
export const REST_ROUTES = featureRoutes(FEATURES);

/** Every background job. */
export const JOBS = featureJobs(FEATURES);
