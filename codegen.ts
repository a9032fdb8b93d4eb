import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed GraphQL documents, checked against the printed schema (schema.graphql, which `npm run schema:check` keeps
// equal to the code): a schema change that breaks a document fails here, in `npm run typecheck` and the web build.
// - the dashboard (web/dashboard): every `graphql(…)` call in its sources;
// - the screen documents the dashboard test and bench used before the dashboard existed (test/dashboard/screens).
// Output is generated, never committed.
const shared = {
  preset: 'client',
  presetConfig: { fragmentMasking: false },
  config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
} as const;

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'web/dashboard/src/gql/': { ...shared, documents: ['web/dashboard/src/**/*.{ts,tsx}', '!web/dashboard/src/gql/**'] },
    'test/dashboard/gql/': { ...shared, documents: ['test/dashboard/screens/*.graphql'] },
  },
  ignoreNoDocuments: false,
  // NodeNext resolution: relative imports with their extension.
  emitLegacyCommonJSImports: false,
};

export default config;
