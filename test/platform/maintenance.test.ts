import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEANUP_JOB as cleanupJob } from '../../src/features.ts';
import { newId } from '../../src/lib/ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser, idempotencyKeyRow } from '../support/factories.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('hourly cleanup', () => {
  it('is scheduled by the processes that run jobs, not by an API process', async () => {
    // An API process on a database of its own: the queues exist, no schedule (parsing cron loads ICU data it never uses).
    const api = await startTestApp({ ROLE: 'api' });
    try {
      expect(await api.deps.boss.getQueue(cleanupJob.name)).toEqual(expect.objectContaining({ name: cleanupJob.name }));
      expect(await api.deps.boss.getSchedules()).toEqual([]);
      const worker = await startTestApp({ ROLE: 'worker' }, { databaseUrl: api.databaseUrl });
      try {
        expect(await api.deps.boss.getSchedules(cleanupJob.name)).toEqual([expect.objectContaining({ cron: '17 * * * *' })]);
      } finally {
        await worker.close();
      }
    } finally {
      await api.stop();
    }
  });

  it('is scheduled, and deletes expired idempotency keys, sessions and old rate-limit windows only', async () => {
    expect(await app.deps.boss.getSchedules(cleanupJob.name)).toEqual([expect.objectContaining({ name: 'maintenance.cleanup', cron: '17 * * * *' })]);
    const seed = await createSeedShapedEvent(app.deps);
    const user = await createUser(app.deps);
    const key = (expiresAt: Date) => idempotencyKeyRow(seed, expiresAt);
    await app.deps.prisma.idempotencyKey.createMany({ data: [key(new Date(Date.now() - 1000)), key(new Date(Date.now() + 3_600_000))] });
    await app.deps.prisma.session.update({ where: { id: user.sessionId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const windows = { old: `key:${newId('apiKey')}`, recent: `key:${newId('apiKey')}`, live: `key:${newId('apiKey')}` };
    await app.deps.pool.query('INSERT INTO rate_limits (key, points, expire) VALUES ($1, 5, $2), ($3, 5, $4), ($5, 5, $6)', [
      windows.old,
      Date.now() - 2 * 3_600_000,
      windows.recent,
      Date.now() - 60_000,
      windows.live,
      Date.now() + 30_000,
    ]);

    await cleanupJob.handler(app.deps, {}, { id: 'manual', retryCount: 0, signal: new AbortController().signal });

    expect(await app.deps.prisma.idempotencyKey.count({ where: { organisationId: seed.owner.organisationId } })).toBe(1);
    expect(await app.deps.prisma.session.count({ where: { id: user.sessionId } })).toBe(0);
    expect(await app.deps.prisma.session.count({ where: { id: seed.owner.sessionId } })).toBe(1);
    const left = await app.deps.pool.query('SELECT key FROM rate_limits WHERE key = ANY($1::text[]) ORDER BY key', [Object.values(windows)]);
    expect(left.rows.map((r) => r.key).sort()).toEqual([windows.recent, windows.live].sort());
  });
});
