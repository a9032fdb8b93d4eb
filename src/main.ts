import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { MigrationError } from './db/migrate.ts';
import { demoBanner } from './modules/demo/demo.service.ts';

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

try {
  const app = await startApp(config);
  const base = app.deps.config.publicUrl;
  process.stdout.write(
    `\nEventoGate is running (role: ${config.role})\n` +
      `  API        ${base}/v1\n` +
      `  GraphQL    ${base}/graphql  (GraphiQL in a browser)\n` +
      `  Health     ${base}/healthz\n` +
      `  Database   ${app.embedded ? `embedded PostgreSQL in ${config.dataDir}/postgres` : 'DATABASE_URL'}\n` +
      (app.demo ? demoBanner(app.demo, base) : ''),
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.deps.logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (error) {
  if (error instanceof MigrationError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Cannot start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
