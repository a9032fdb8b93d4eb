/**
 * The rules EventoGate's structure holds itself to (issue 26), checked by `npm run lint` and so by .ci/run:
 * the kernel imports no feature, and a feature uses another only through its entry. Type-only imports count here
 * (a type reaching into another feature's insides couples them as much as a value does). The third rule, no
 * runtime import cycle, is checked on the graph without type-only imports: .dependency-cruiser-cycles.cjs.
 */
module.exports = {
  forbidden: [
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
        'offers is one file to read, and its insides can change without breaking the others. Its feature.ts (what it ' +
        'plugs into the kernel) is for src/features.ts alone.',
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
