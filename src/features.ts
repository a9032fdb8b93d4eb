import { cleanupJob } from './jobs/cleanup.ts';
import { jobsPersonalData } from './jobs/personal-data.ts';
import { joinCredentials } from './lib/credentials.ts';
import { type Feature, featureJobs, featureRoutes } from './lib/feature.ts';
import type { PersonalDataHook } from './lib/personal-data.ts';
import { feature as accessCodes } from './modules/access-codes/feature.ts';
import { feature as apiKeys } from './modules/api-keys/feature.ts';
import { feature as attendees } from './modules/attendees/feature.ts';
import { feature as audit } from './modules/audit/feature.ts';
import { feature as auth } from './modules/auth/feature.ts';
import { feature as checkIns } from './modules/check-ins/feature.ts';
import { feature as customFields } from './modules/custom-fields/feature.ts';
import { feature as dashboardPage } from './modules/dashboard-page/feature.ts';
import { feature as door } from './modules/door/feature.ts';
import { feature as emails } from './modules/emails/feature.ts';
import { feature as events } from './modules/events/feature.ts';
import { feature as imports } from './modules/imports/feature.ts';
import { feature as live } from './modules/live/feature.ts';
import { feature as members } from './modules/members/feature.ts';
import { feature as nodes } from './modules/nodes/feature.ts';
import { feature as organisations } from './modules/organisations/feature.ts';
import { feature as privacy } from './modules/privacy/feature.ts';
import { feature as publicForms } from './modules/public-forms/feature.ts';
import { feature as qr } from './modules/qr/feature.ts';
import { feature as quotas } from './modules/quotas/feature.ts';
import { feature as registrations } from './modules/registrations/feature.ts';
import { feature as scannerPage } from './modules/scanner-page/feature.ts';
import { feature as ticketTypes } from './modules/ticket-types/feature.ts';
import { feature as webhooks } from './modules/webhooks/feature.ts';
import { restCleanup } from './rest/cleanup.ts';
import { idempotencyPersonalData } from './rest/personal-data.ts';

/**
 * Every feature of EventoGate, each from its own folder's index.ts (docs/architecture.md: the feature contract).
 * The kernel imports none of them: the app hands it this list. GraphQL types load and REST routes mount in this
 * order (a literal REST path before a parameter that would match it).
 */
export const FEATURES: readonly Feature[] = [
  auth,
  audit,
  apiKeys,
  events,
  ticketTypes,
  quotas,
  accessCodes,
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
  scannerPage,
  dashboardPage,
];

/** Every REST v1 route, in mounting order (one list, so its OpenAPI document is built once). */
export const REST_ROUTES = featureRoutes(FEATURES);

/** The hourly cleanup: REST's own, then every feature's hook. */
export const CLEANUP_JOB = cleanupJob([{ name: 'rest', cleanup: restCleanup }, ...FEATURES]);

/**
 * Every feature's personal-data hook, then the kernel's (stored idempotent responses, then queued jobs, which
 * earlier hooks may name): erasure and export run them in this order.
 */
export const PERSONAL_DATA: readonly PersonalDataHook[] = [
  ...FEATURES.flatMap((f) => (f.personalData ? [f.personalData] : [])),
  idempotencyPersonalData,
  jobsPersonalData,
];

/** Every background job. */
export const JOBS = [...featureJobs(FEATURES), CLEANUP_JOB];

/** Every credential kind, each checked by the feature that issues it. */
export const CREDENTIALS = joinCredentials(FEATURES);

/** Every web page, in the features' order (after the API). */
export const PAGES = FEATURES.flatMap((f) => (f.pages ? [f.pages] : []));

/** The largest GraphQL body any operation takes (0: the kernel's own limit). */
export const GRAPHQL_BODY_BYTES = Math.max(0, ...FEATURES.map((f) => f.graphqlBodyBytes ?? 0));
