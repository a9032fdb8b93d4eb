// The operator CLI (`npx eventogate …`, package.json "bin"). Every command runs the same services, validation and
// database settings as the server: it starts EventoGate as an API-only process on a loopback port, uses its
// services, and stops it. With the embedded database it uses the one a running server holds, or starts it.
import { Command, CommanderError } from 'commander';
import { openServices } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './db/embedded.ts';
import { applyMigrations } from './db/migrate.ts';
import type { Deps } from './deps.ts';
import type { Actor } from './lib/actor.ts';
import { AppError } from './lib/errors.ts';
import { Lifecycle } from './lib/lifecycle.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './modules/api-keys/api-keys.service.ts';
import { issuePasswordReset } from './modules/auth/accounts.service.ts';
import { verifyPassword } from './modules/auth/passwords.ts';
import { DEMO_EMAIL, demoPassword } from './modules/demo/demo.service.ts';
import { addMemberAsOperator } from './modules/members/members.service.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * The services a command needs, for its length: the database (the running server's embedded one, or its own) and
 * the services on it — no HTTP server, no job workers, no live-feed listening, and no migrations (a database this
 * version has not migrated is refused: `eventogate migrate` does that).
 */
async function withServices<T>(run: (deps: Deps) => Promise<T>): Promise<T> {
  const { config, logger } = cliConfig();
  const lifecycle = new Lifecycle(logger);
  try {
    const { deps } = await openServices(config, lifecycle, { logger, migrations: 'require', receive: false });
    return await run(deps);
  } finally {
    await lifecycle.stop();
  }
}

/** The configuration a command runs with: the server's, quieter, on the database the server uses. */
function cliConfig(): { config: Config; logger: Logger } {
  const config: Config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, ROLE: 'api', HOST: '127.0.0.1', DEMO_SEED: 'false' });
  const databaseUrl = config.databaseUrl ?? runningEmbeddedUrl(config.dataDir) ?? undefined;
  // Links printed (a password reset) point at the server: PUBLIC_URL, else where it listens by default.
  const publicUrl = config.publicUrl ?? `http://127.0.0.1:${config.port}`;
  return { config: { ...config, databaseUrl, publicUrl }, logger: createLogger(config.logLevel) };
}

/** The organisation a command acts for (by id, or the only one there is), as its first owner. */
async function ownerOf(deps: Deps, organisationId: string | undefined): Promise<Actor> {
  const owners = await deps.prisma.membership.findMany({
    where: { role: 'OWNER', ...(organisationId ? { organisationId } : {}) },
    orderBy: { createdAt: 'asc' },
    distinct: ['organisationId'],
    take: 2,
  });
  if (owners.length === 0) throw new AppError('NOT_FOUND', organisationId ? `No organisation ${organisationId}.` : 'There is no organisation yet.');
  if (owners.length > 1) throw new AppError('BAD_USER_INPUT', 'There are several organisations: name one with --org <id> (see `orgs list`).');
  const owner = owners[0]!;
  return { kind: 'user', userId: owner.userId, organisationId: owner.organisationId, role: 'OWNER', sessionId: 'cli' };
}

const date = (value: Date | null) => (value ? value.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export function buildCli(): Command {
  const program = new Command('eventogate')
    .description('Operate an EventoGate installation: API keys, accounts, organisations, migrations.')
    .showHelpAfterError()
    .exitOverride();

  const keys = program.command('keys').description('API keys of an organisation');
  keys
    .command('create')
    .description('create an API key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--env <environment>', 'live or test', 'live')
    .option('--org <organisationId>', 'the organisation (default: the only one)')
    .action(async (options: { name: string; env: string; org?: string }) => {
      await withServices(async (deps) => {
        const actor = await ownerOf(deps, options.org);
        const { apiKey, secret } = await createApiKey(deps, { actor, input: { name: options.name, environment: options.env.toUpperCase() } });
        out(`${apiKey.id}  ${apiKey.environment.toLowerCase()}  ${apiKey.name}`);
        out(secret);
      });
    });
  keys
    .command('list')
    .description('list the keys (never their secrets)')
    .option('--org <organisationId>', 'the organisation (default: the only one)')
    .action(async (options: { org?: string }) => {
      await withServices(async (deps) => {
        const list = await listApiKeys(deps, { actor: await ownerOf(deps, options.org) });
        out(['id', 'env', 'prefix', 'name', 'created', 'last used', 'revoked'].join('\t'));
        for (const k of list) {
          out([k.id, k.environment.toLowerCase(), k.prefix, k.name, date(k.createdAt), date(k.lastUsedAt), date(k.revokedAt)].join('\t'));
        }
      });
    });
  keys
    .command('revoke')
    .description('revoke a key at once (requests and subscriptions using it stop)')
    .argument('<keyId>', 'key_…')
    .option('--org <organisationId>', 'the organisation (default: the only one)')
    .action(async (keyId: string, options: { org?: string }) => {
      await withServices(async (deps) => {
        const key = await deps.prisma.apiKey.findUnique({ where: { id: keyId }, select: { organisationId: true } });
        if (!key && !options.org) throw new AppError('NOT_FOUND', 'API key not found.');
        const revoked = await revokeApiKey(deps, { actor: await ownerOf(deps, options.org ?? key?.organisationId), input: { id: keyId } });
        out(`${revoked.id} revoked at ${date(revoked.revokedAt)}`);
      });
    });

  program
    .command('members')
    .description('members of an organisation')
    .command('add')
    .description('give an existing account a role in an organisation (e.g. an owner for an organisation left without one)')
    .requiredOption('--org <organisationId>', 'the organisation')
    .requiredOption('--email <email>', 'the account (it must exist)')
    .requiredOption('--role <role>', 'OWNER, ADMIN or STAFF')
    .action(async (options: { org: string; email: string; role: string }) => {
      await withServices(async (deps) => {
        const added = await addMemberAsOperator(deps, { input: { organisationId: options.org, email: options.email, role: options.role.toUpperCase() } });
        out(`${added.userId} is ${added.role.toLowerCase()} of ${added.organisationId}`);
      });
    });

  program
    .command('users')
    .description('user accounts')
    .command('reset-password')
    .description('print a one-time password-reset token (1 h) for a user who cannot receive mail')
    .argument('<email>')
    .action(async (email: string) => {
      await withServices(async (deps) => {
        const { token, expiresAt } = await issuePasswordReset(deps, { email });
        out(token);
        out(`Valid until ${date(expiresAt)}, once: open ${deps.config.publicUrl}/dashboard/reset-password?token=${token}`);
        out('or call resetPassword(input: { token, password }) in GraphQL.');
      });
    });

  program
    .command('orgs')
    .description('organisations')
    .command('list')
    .description('every organisation with its members and events')
    .action(async () => {
      await withServices(async (deps) => {
        const orgs = await deps.prisma.organisation.findMany({
          orderBy: { createdAt: 'asc' },
          select: { id: true, name: true, createdAt: true, _count: { select: { memberships: true, events: true } } },
        });
        out(['id', 'name', 'members', 'events', 'created'].join('\t'));
        for (const o of orgs) out([o.id, o.name, o._count.memberships, o._count.events, date(o.createdAt)].join('\t'));
      });
    });

  program
    .command('demo')
    .description('the demo organisation')
    .command('show')
    .description('the dashboard, the demo login and event, and the demo API keys (new secrets only with --new-keys)')
    .option('--new-keys', 'also create a live and a test key and print their secrets (secrets are shown once)')
    .action(async (options: { newKeys?: boolean }) => {
      await withServices(async (deps) => {
        const owner = await deps.prisma.user.findUnique({ where: { email: DEMO_EMAIL }, include: { memberships: { take: 1 } } });
        const organisationId = owner?.memberships[0]?.organisationId;
        if (!owner || !organisationId) throw new AppError('NOT_FOUND', 'There is no demo organisation (it is created on an empty database).');
        const event = await deps.prisma.event.findFirst({ where: { organisationId }, orderBy: { createdAt: 'asc' } });
        const password = demoPassword(deps.secretKey);
        const dashboard = `${deps.config.publicUrl}/dashboard`;
        out(`Dashboard     ${dashboard}`);
        out(
          (await verifyPassword(owner.passwordHash, password))
            ? `Owner login   ${owner.email}  /  ${password}`
            : `Owner login   ${owner.email}  (its password was changed: \`eventogate users reset-password ${owner.email}\`)`,
        );
        if (event) out(`Event         ${event.name}  ${event.id}  ${dashboard}/events/${event.id}`);
        const actor = await ownerOf(deps, organisationId);
        if (options.newKeys) {
          const stamp = new Date().toISOString().slice(0, 16);
          const live = await createApiKey(deps, { actor, input: { name: `CLI demo key ${stamp}`, environment: 'LIVE' } });
          const test = await createApiKey(deps, { actor, input: { name: `CLI demo test key ${stamp}`, environment: 'TEST' } });
          out(`Live API key  ${live.secret}`);
          out(`Test API key  ${test.secret}`);
          return;
        }
        const keys = (await listApiKeys(deps, { actor })).filter((k) => !k.revokedAt);
        for (const k of keys) out(`API key       ${k.prefix}…  ${k.environment.toLowerCase()}  ${k.name}`);
        out('              (secrets are shown once: `eventogate demo show --new-keys`, or Settings → API Keys in the dashboard)');
      });
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit (the server also does at start)')
    .action(async () => {
      const { config, logger } = cliConfig();
      const lifecycle = new Lifecycle(logger);
      try {
        // The migrations' advisory lock is a session's: the database itself, never through a transaction pooler.
        let databaseUrl = config.databaseDirectUrl ?? config.databaseUrl;
        if (!databaseUrl) {
          const embedded = await startEmbeddedPostgres({
            dataDir: config.dataDir,
            logger,
            onLost: (error) => logger.error({ err: error }, 'the embedded database is gone'),
          });
          lifecycle.onStop('database', 'embedded PostgreSQL', () => embedded.stop());
          databaseUrl = embedded.url;
        }
        await applyMigrations({ databaseUrl, logger });
        out('Migrations are applied.');
      } finally {
        await lifecycle.stop();
      }
    });

  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof AppError) {
      const details = error.fieldErrors ? Object.values(error.fieldErrors).flat() : [];
      process.stderr.write(`${[error.message, ...details].filter((m, i) => i === 0 || m !== error.message).join(' ')}\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}
