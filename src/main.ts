import { type RunningApp, startApp } from './app.ts';
import { ConfigError, loadConfig, publicUrlWarning } from './config.ts';
import { MigrationError } from './db/migrate.ts';
import { releaseMemory } from './lib/idle-memory.ts';
import { demoBanner } from './modules/demo/demo.service.ts';
import { PortUnavailableError } from './server/port.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

// Registered before start-up so a signal during boot also ends in an orderly shutdown.
let app: RunningApp | null = null;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app?.deps.logger.info({ signal }, 'shutting down');
    // Before the app is up, startApp notices `stopping` when it returns (below).
    if (app)
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

try {
  app = await startApp(config, {
    onDatabaseLost: (error) => {
      process.stderr.write(`EventoGate is stopping: ${error.message}\n`);
      process.exit(1);
    },
  });
  if (stopping) {
    await app.close();
    process.exit(0);
  }
  // Start-up's garbage and the young generation it grew, given back now that start-up is done (src/lib/idle-memory.ts;
  // a request that arrives in these ~100–140 ms waits for them). A process-wide policy, so here and not in startApp,
  // which tests run many times in one process.
  app.deps.logger.debug({ ms: Math.round(releaseMemory()) }, 'start-up memory given back');
  const base = app.deps.config.publicUrl;
  const warning = publicUrlWarning({ host: config.host, publicUrl: base });
  process.stdout.write(
    `\nEventoGate is running (role: ${config.role})\n` +
      (config.role === 'worker' ? '' : `  Dashboard  ${base}/dashboard\n`) +
      `  API        ${base}/v1\n` +
      `  GraphQL    ${base}/graphql  (GraphiQL in a browser)\n` +
      `  Health     ${base}/healthz\n` +
      `  Database   ${app.embedded ? `embedded PostgreSQL in ${config.dataDir}/postgres` : 'DATABASE_URL'}\n` +
      `  Mail       ${app.deps.mailer.description}\n` +
      (warning ? `\n  Warning    ${warning}\n` : '') +
      (app.demo ? demoBanner(app.demo, base) : ''),
  );
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof MigrationError || error instanceof PortUnavailableError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Cannot start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
