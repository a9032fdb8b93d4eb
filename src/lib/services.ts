import type { Deps } from '../deps.ts';
import type { Lifecycle } from './lifecycle.ts';

/**
 * The long-lived services features build once per process (a live feed, a batcher, a mailer…). The kernel knows
 * none of them: each feature adds its own here by declaration merging in its feature.ts
 * (`declare module '../../lib/services.ts' { interface Services { … } }`) and builds them in its `services` hook,
 * so `deps.<service>` is typed everywhere while `src/deps.ts` imports no feature.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, one feature at a time.
export interface Services {}

/** Caches shared across processes (`deps.caches.<name>`), added like Services. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, one feature at a time.
export interface Caches {}

/**
 * Builds a feature's services into `deps` (which holds the kernel and the services of the features listed before
 * it), registers how they stop with `lifecycle`, and starts them. `receive`: this process serves live feeds and
 * hears revocations (API processes), not only publishes them (workers, the CLI).
 */
export type ServiceBuilder = (deps: Deps, context: { lifecycle: Lifecycle; receive: boolean }) => Promise<void> | void;
