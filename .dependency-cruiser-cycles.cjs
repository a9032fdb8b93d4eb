/**
 * No runtime import cycle (issue 26), checked by `npm run lint`. A cycle makes the order modules load in matter (a
 * value read before its module ran is undefined), and a change anywhere in the loop touches all of it.
 *
 * Checked on the graph as it runs: type-only imports are erased at build time (tsPreCompilationDeps false), so
 * they may loop. One graph with them (as .dependency-cruiser.cjs has) would not do: dependency-cruiser reports
 * one cycle per import, and when the one it finds passes through a type-only import, a runtime loop beside it goes
 * unreported.
 */
const base = require('./.dependency-cruiser.cjs');

module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: { ...base.options, tsPreCompilationDeps: false },
};
