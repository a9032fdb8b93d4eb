import type { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import type { CleanupHook } from '../jobs/cleanup.ts';
import type { JobDefinition } from '../jobs/job.ts';
import type { AppEnv } from '../rest/context.ts';
import type { RestRoute } from '../rest/route.ts';
import type { Credentials } from './credentials.ts';
import type { PersonalDataHook } from './personal-data.ts';
import type { ServiceBuilder } from './services.ts';

/**
 * What a feature (src/modules/<name>/feature.ts) brings to the kernel; src/features.ts lists them, and the kernel
 * builds the GraphQL schema, mounts the REST routes and pages, authenticates requests and runs the jobs from that
 * list without importing any feature.
 */
export interface Feature {
  name: string;
  /** Loads the feature's GraphQL types and operations (Pothos registers them on the builder as their modules run). */
  graphql?: () => Promise<unknown>;
  /** REST v1 routes, each declared next to its handler (defineRoute). */
  routes?: readonly RestRoute[];
  /** Background jobs: queues are created for all of them; workers run in processes whose role includes work. */
  jobs?: readonly JobDefinition[];
  /** Builds the feature's long-lived services once per process (lib/services.ts), in the features' order. */
  services?: ServiceBuilder;
  /** The credential kinds this feature issues and checks (lib/credentials.ts). */
  credentials?: Partial<Credentials>;
  /** Web pages the feature serves (the dashboard, /scan, a waitlist offer's claim page), mounted after the API. */
  pages?: (app: Hono<AppEnv>, deps: Deps) => void;
  /** How the person's copies this feature keeps are exported and erased (privacy runs every feature's). */
  personalData?: PersonalDataHook;
  /** Deletes what the feature keeps past its retention (run hourly by the kernel's cleanup job). */
  cleanup?: CleanupHook;
  /** The largest GraphQL request body one of its operations takes (an import carries its CSV). */
  graphqlBodyBytes?: number;
}

/** Every REST route of the features, in their order. */
export function featureRoutes(features: readonly Feature[]): RestRoute[] {
  return features.flatMap((f) => f.routes ?? []);
}

/** Every job of the features. */
export function featureJobs(features: readonly Feature[]): JobDefinition[] {
  return features.flatMap((f) => f.jobs ?? []);
}
