import type { QueueOptions, WorkOptions } from 'pg-boss';
import type { z } from 'zod';
import type { Deps } from '../deps.ts';

/** A background job: its queue name, payload schema, queue policy and a small handler that calls a service. */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  queue?: Omit<QueueOptions, 'name'>;
  work?: Pick<WorkOptions, 'batchSize' | 'localConcurrency' | 'pollingIntervalSeconds'>;
  /** Run on this cron schedule (UTC) as well, once across all processes. */
  cron?: string;
  handler(deps: Deps, payload: z.output<S>, job: { id: string; retryCount: number }): Promise<void>;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}
