import pg from 'pg';

/** Sends `payload` (at most 8000 bytes) to every connection listening on `channel`, once the transaction commits. */
export async function notify(db: pg.Pool | pg.Client, channel: string, payload: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** This connection receives `channel`'s notifications from now on. */
export async function listen(client: pg.Client, channel: string): Promise<void> {
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
}

/** This connection no longer receives `channel`'s notifications. */
export async function unlisten(client: pg.Client, channel: string): Promise<void> {
  await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`);
}
