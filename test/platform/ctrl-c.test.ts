import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { spawnServer } from '../support/process.ts';

/**
 * Issue 31, from a newcomer's run: Ctrl-C in a terminal sends SIGINT to the foreground process group. The embedded
 * PostgreSQL was in ours, stopped first, and the log filled with ~30 KB of connection errors while we drained. It
 * now runs in a session of its own and is stopped last: the log after Ctrl-C says only that we stopped.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-ctrl-c-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('Ctrl-C in a terminal, on the embedded database', () => {
  it('drains, stops PostgreSQL last, exits 0, and logs no warning or error', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }, { processGroup: true });
    await server.waitFor(/EventoGate is running/);
    const url = `http://127.0.0.1:${port}`;
    // Connections open in every pool: a request or two, and the workers polling.
    for (let i = 0; i < 5; i++) expect((await http(`${url}/readyz`)).status).toBe(200);
    const postmaster = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    // Its own session and process group, apart from ours: a terminal's Ctrl-C cannot reach it.
    const groupOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(2, 4).map(Number);
    expect(groupOf(postmaster)).toEqual([postmaster, postmaster]);
    expect(groupOf(server.child.pid!)).toEqual([server.child.pid, server.child.pid]);
    const before = server.output().length;

    process.kill(-server.child.pid!, 'SIGINT');
    expect(await server.exited()).toBe(0);
    const after = server.output().slice(before);
    const loud = after
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((record) => record.level >= 40);
    if (loud.length) console.log(after);
    expect(loud).toEqual([]);
    console.info(`log after Ctrl-C: ${after.length} bytes`);
    expect(after.length).toBeLessThan(4_000);
    // PostgreSQL was stopped by us, cleanly: no server left, no pid file.
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(() => process.kill(postmaster, 0)).toThrow();
  });
});
