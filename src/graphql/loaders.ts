import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { GraphQLContext } from './context.ts';

const perContext = new WeakMap<GraphQLContext, Map<string, DataLoader<unknown, unknown>>>();

/**
 * One DataLoader per request and name: loads asked for while a list resolves (the stats of 20 events) run as
 * one batch, and a key asked for again later in the same query (an event's ticket types after its stats) is
 * answered from that batch. Subscriptions only batch: their context lives as long as the subscription, and a
 * count read a minute ago must not answer a push now.
 */
export function requestLoader<K, V>(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  name: string,
  batch: (keys: readonly K[]) => Promise<V[]>,
): DataLoader<K, V> {
  const cache = info.operation.operation !== 'subscription';
  const key = `${name}:${cache}`;
  let loaders = perContext.get(ctx);
  if (!loaders) {
    loaders = new Map();
    perContext.set(ctx, loaders);
  }
  let loader = loaders.get(key) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(batch, { cache });
    loaders.set(key, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}
