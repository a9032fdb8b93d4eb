import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, publicUrlWarning } from '../../src/config.ts';
import { spawnServer } from '../support/process.ts';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      databasePoolSize: 20,
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      dataDir: './.data',
      secretKey: undefined,
      smtpUrl: undefined,
      mailFrom: 'EventoGate <no-reply@eventogate.local>',
      logLevel: 'info',
      role: 'all',
      demoSeed: true,
      webhookTimeoutMs: 10_000,
      webhookRetryDelaysMs: [60_000, 300_000, 900_000],
      webhookAllowPrivateTargets: false,
      webhookEndpointConcurrency: 4,
      webhookDisableAfterMs: 432_000_000,
      webhookLogRetentionDays: 30,
      auditLogRetentionDays: 365,
      publicFormRateLimitPerMin: 10,
      apiRateLimitPerMin: 1200,
      corsOrigins: [],
      metricsToken: undefined,
      httpRequestTimeoutMs: 30_000,
      tls: undefined,
      databaseTimeouts: { lockMs: 5_000, statementMs: 15_000 },
      smtpTimeoutMs: 60_000,
      wsMaxConnectionsPerIp: 50,
      wsMaxConnectionsPerOrganisation: 500,
      liveMaxSubscriptions: { perSocket: 20, perCredential: 50, perOrganisation: 500 },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/eg',
      SECRET_KEY: 'k'.repeat(32),
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://events.example.com/',
      WEBHOOK_RETRY_DELAYS_MS: '300, 600,900',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      ROLE: 'worker',
      PUBLIC_FORM_RATE_LIMIT_PER_MIN: '3',
      DATABASE_LOCK_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      DATABASE_DIRECT_URL: 'postgresql://u:p@db-direct:5432/eg',
      DATABASE_POOL_SIZE: '24',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u:p@db:5432/eg',
      databaseDirectUrl: 'postgresql://u:p@db-direct:5432/eg',
      databasePoolSize: 24,
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://events.example.com',
      webhookRetryDelaysMs: [300, 600, 900],
      webhookAllowPrivateTargets: true,
      role: 'worker',
      demoSeed: false,
      publicFormRateLimitPerMin: 3,
      databaseTimeouts: { lockMs: 2_000, statementMs: 60_000 },
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be a whole number (got "eighty")'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535 (got "70000")'],
    [{ ROLE: 'everything' }, 'ROLE:'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL:'],
    [{ WEBHOOK_RETRY_DELAYS_MS: '1m,5m' }, 'WEBHOOK_RETRY_DELAYS_MS: must be a comma-separated list of milliseconds'],
    [{ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_TARGETS:'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL: must be a URL starting with http:// or https://'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL: must be a URL starting with smtp:// or smtps://'],
    [{ DATABASE_URL: 'postgresql://db/eg' }, 'SECRET_KEY: is required when DATABASE_URL is set'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY: must be at least 32 characters'],
    [{ SMTP_TIMEOUT_MS: '600000' }, 'SMTP_TIMEOUT_MS: must be between 1000 and 110000 (got "600000")'],
    [{ DATABASE_LOCK_TIMEOUT_MS: '0' }, 'DATABASE_LOCK_TIMEOUT_MS: must be between 1 and 600000 (got "0")'],
    [{ DATABASE_POOL_SIZE: '5' }, 'DATABASE_POOL_SIZE: must be between 7 and 1000 (got "5")'],
    [{ DATABASE_DIRECT_URL: 'postgresql://db/eg' }, 'DATABASE_DIRECT_URL: is only used with DATABASE_URL'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes secret values', () => {
    expect(() => loadConfig({ SECRET_KEY: 'hunter2' })).toThrow(/^((?!hunter2).)*$/s);
  });

  it('stops `npm start` with exit code 1 and a message naming the variable', async () => {
    const server = spawnServer({ PORT: 'not-a-port', DATA_DIR: '/nonexistent' });
    expect(await server.exited()).toBe(1);
    expect(server.output()).toContain('Invalid configuration:\n  PORT: must be a whole number (got "not-a-port")');
  });
});

describe('publicUrlWarning', () => {
  it('warns when the links EventoGate sends out could not reach anyone, and only then', () => {
    expect(publicUrlWarning({ host: '0.0.0.0', publicUrl: 'http://127.0.0.1:3000' })).toBe(
      'PUBLIC_URL is http://127.0.0.1:3000 while HOST=0.0.0.0 accepts other machines: emails, QR codes and webhook payloads would point them at their own computer. Set PUBLIC_URL to the address people use.',
    );
    expect(publicUrlWarning({ host: '0.0.0.0', publicUrl: 'http://localhost:3000' })).toMatch(/^PUBLIC_URL is http:\/\/localhost:3000 while HOST=0\.0\.0\.0/);
    // The default for HOST=0.0.0.0 without PUBLIC_URL: an address nobody can open.
    expect(publicUrlWarning(loadConfig({ HOST: '0.0.0.0' }))).toMatch(/^PUBLIC_URL is http:\/\/0\.0\.0\.0:3000, which no browser can open/);
    expect(publicUrlWarning(loadConfig({}))).toBeNull();
    expect(publicUrlWarning({ host: '0.0.0.0', publicUrl: 'https://events.example.com' })).toBeNull();
    expect(publicUrlWarning({ host: '::1', publicUrl: 'http://[::1]:3000' })).toBeNull();
  });
});
