/**
 * The rules EventoGate's structure holds itself to (issue 26), checked by `npm run lint` and so by .ci/run.
 * Violations that existed when a rule was written are listed in .dependency-cruiser-known-violations.json: they
 * are the work left, shown by `npm run deps:report`; a new one fails the lint. Fixing one? `npm run deps:baseline`.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment:
        'A runtime import cycle makes the order modules load in matter (a value read before its module ran is undefined), ' +
        'and a change anywhere in the loop touches all of it. Type-only imports are erased at build time and may loop.',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'kernel-imports-no-feature',
      severity: 'error',
      comment:
        'The kernel (database, queue, HTTP and GraphQL plumbing, configuration, shared helpers) is what every feature ' +
        'builds on; if it imports a feature, no feature can be added or removed without editing the kernel.',
      from: { path: '^src/(db|lib|jobs|rest|server|graphql)/|^src/config[.]ts$' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'feature-through-public-entry',
      severity: 'error',
      comment:
        "A feature uses another only through that feature's entry (src/modules/<name>/index.ts), so what a feature " +
        'offers is one file to read, and its insides can change without breaking the others.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index[.]ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js'] },
  },
};
