// The bare baseline for `npm run bench`: node:http + one INSERT per request on the same database, nothing else
// (no framework, no validation, no auth). EventoGate's registration endpoint is measured against it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(
  'CREATE TABLE IF NOT EXISTS bench_baseline (id uuid PRIMARY KEY, email text NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
);

await pool.query('ALTER TABLE bench_baseline ADD COLUMN IF NOT EXISTS checked_in_at timestamptz');

// POST / registers (one INSERT); POST /check-in {"id"} checks in (one conditional UPDATE).
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { email: string; id: string };
      if (req.url === '/check-in') {
        const result = await pool.query('UPDATE bench_baseline SET checked_in_at = now() WHERE id = $1 AND checked_in_at IS NULL RETURNING id', [body.id]);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: body.id, first: result.rowCount === 1 }));
        return;
      }
      const id = randomUUID();
      await pool.query('INSERT INTO bench_baseline (id, email, body) VALUES ($1, $2, $3)', [id, body.email, body]);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ...body, id }));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
