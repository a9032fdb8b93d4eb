import { type GraphQLSchema, lexicographicSortSchema } from 'graphql';
import type { Feature } from '../lib/feature.ts';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';

let built: GraphQLSchema | undefined;

/**
 * The whole GraphQL schema: every feature's types and operations, loaded in the features' order, then built once
 * (every app of a process serves the same one). `npm run schema:print` writes it, sorted, to schema.graphql.
 */
export async function buildSchema(features: readonly Feature[]): Promise<GraphQLSchema> {
  if (!built) {
    for (const feature of features) await feature.graphql?.();
    built = builder.toSchema();
  }
  return built;
}

/** The schema as schema.graphql prints it (types and fields in alphabetical order). */
export async function buildSortedSchema(features: readonly Feature[]): Promise<GraphQLSchema> {
  return lexicographicSortSchema(await buildSchema(features));
}
