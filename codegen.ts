import type { CodegenConfig } from '@graphql-codegen/cli';

// The dashboard screens in test/dashboard/screens, typed against the printed schema (schema.graphql, which
// `npm run schema:check` keeps equal to the code). A schema change that breaks a screen fails here, in
// `npm run typecheck`. Output is generated, never committed.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/dashboard/screens/*.graphql'],
  generates: {
    'test/dashboard/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
    },
  },
  ignoreNoDocuments: false,
  // NodeNext resolution: relative imports with their extension.
  emitLegacyCommonJSImports: false,
};

export default config;
