import type { Logger } from './logger.ts';

/**
 * The order a process stops in (STYLE §19): stop taking requests, let the workers finish their jobs, then let go
 * of what they used (mailer, caches, pools, pub/sub), and only then the database itself. Whatever starts
 * registers its own stop in its phase; within a phase the last started stops first.
 */
export const STOP_PHASES = ['http', 'workers', 'services', 'connections', 'database'] as const;
export type StopPhase = (typeof STOP_PHASES)[number];

export class Lifecycle {
  readonly #steps = new Map<StopPhase, Array<{ name: string; stop: () => Promise<unknown> | unknown }>>();
  #stopping: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  get stopping(): boolean {
    return this.#stopping !== null;
  }

  onStop(phase: StopPhase, name: string, stop: () => Promise<unknown> | unknown): void {
    const steps = this.#steps.get(phase) ?? [];
    steps.push({ name, stop });
    this.#steps.set(phase, steps);
  }

  /** Runs every stop once, phase by phase; a failing step is logged and the rest still run. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const phase of STOP_PHASES) {
        for (const step of (this.#steps.get(phase) ?? []).reverse()) {
          try {
            await step.stop();
          } catch (error) {
            this.logger.error({ err: error, phase, step: step.name }, 'error while shutting down');
          }
        }
      }
    })();
    return this.#stopping;
  }
}
