import type { QueueOptions, WorkOptions } from 'pg-boss';
import type { z } from 'zod';
import type { Deps } from '../deps.ts';

/**
 * What enqueuing a job needs: its queue's name and payload schema. A service that sends jobs imports this, never the
 * job's definition, whose handler calls back into the service (which would be an import cycle).
 */
export interface QueueSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
}

export function defineQueue<S extends z.ZodType>(queue: QueueSpec<S>): QueueSpec<S> {
  return queue;
}

/** A background job: its queue (name and payload schema), queue policy and a small handler that calls a service. */
export interface JobDefinition<S extends z.ZodType = z.ZodType> extends QueueSpec<S> {
  queue?: Omit<QueueOptions, 'name'>;
  /** How the workers fetch; `workers`: how many per process (each fetching its own batches; 1 by default). */
  work?: Pick<WorkOptions, 'batchSize' | 'pollingIntervalSeconds'> & { workers?: number };
  /** Run on this cron schedule (UTC) as well, once across all processes. */
  cron?: string;
  /** `job.signal` aborts when the job is given up on (expired, its claim lost) or the worker stops waiting for it. */
  handler(deps: Deps, payload: z.output<S>, job: { id: string; retryCount: number; signal: AbortSignal }): Promise<void>;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}
