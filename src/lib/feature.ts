import type { JobDefinition } from '../jobs/job.ts';
import type { RestRoute } from '../rest/route.ts';

/**
 * What a feature (src/modules/<name>/index.ts) brings to the kernel; src/features.ts lists them, and the kernel
 * builds the GraphQL schema, mounts the REST routes and runs the jobs from that list without importing any feature.
 */
export interface Feature {
  name: string;
  /** Loads the feature's GraphQL types and operations (Pothos registers them on the builder as their modules run). */
  graphql?: () => Promise<unknown>;
  /** REST v1 routes, each declared next to its handler (defineRoute). */
  routes?: readonly RestRoute[];
  /** Background jobs: queues are created for all of them; workers run in processes whose role includes work. */
  jobs?: readonly JobDefinition[];
}

/** Every REST route of the features, in their order. */
export function featureRoutes(features: readonly Feature[]): RestRoute[] {
  return features.flatMap((f) => f.routes ?? []);
}

/** Every job of the features. */
export function featureJobs(features: readonly Feature[]): JobDefinition[] {
  return features.flatMap((f) => f.jobs ?? []);
}
