import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for Pothos and yoga; vite would
    // give our own files the ESM one, and graphql refuses types from "another realm". One copy for everybody.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file gets its own database (a copy of a migrated template) and its own server.
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for something a user would see happen (a browser screen booting and rewriting its address,
    // a webhook arriving): its default of one second lost a race with a lazily loaded dashboard chunk on a loaded CI
    // machine (accounts.test.ts › invitation). The budget Playwright gives its own waits, bounded by testTimeout.
    expect: { poll: { timeout: 15_000 } },
  },
});
