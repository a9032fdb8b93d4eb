import type pg from 'pg';
import { coalesceWrites, throughPooler } from './pool.ts';
import type { Db } from './prisma.ts';

/**
 * Plain parameterised SQL, for the few hot paths where Prisma's per-query overhead dominates (measured:
 * ~0.25 ms of CPU per Prisma query against ~0.03 ms with pg, which capped registrations at ~250/s).
 * The same interface runs on a raw pg transaction or inside a Prisma transaction.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

/** A checked-out connection's statements; those issued together go out in one write (coalesceWrites). */
export function clientSql(client: pg.PoolClient): Sql {
  const sql = throughPooler.has(client)
    ? unnamedSql(client)
    : {
        query: async <T>(text: string, values: readonly unknown[] = []) =>
          (await client.query({ name: statementName(text), text, values: values as unknown[] })).rows as T[],
      };
  return {
    query: (text, values) => {
      coalesceWrites(client);
      return sql.query(text, values);
    },
  };
}

/** Statements never prepared by name: behind a transaction pooler (throughPooler). */
function unnamedSql(target: pg.PoolClient | pg.Pool): Sql {
  return { query: async <T>(text: string, values: readonly unknown[] = []) => (await target.query(text, values as unknown[])).rows as T[] };
}

const statementNames = new Map<string, string>();

/**
 * Hot-path statements are prepared once per connection (a named statement: PostgreSQL parses and plans it
 * once, and later executions send only the values). The texts are constants in the code, so the set is small.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `eg_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Single hot-path statements on the app's pool, prepared once per connection (see statementName). */
export function preparedPoolSql(deps: { pool: pg.Pool }): Sql {
  if (throughPooler.has(deps.pool)) return unnamedSql(deps.pool);
  return {
    query: async <T>(text: string, values: readonly unknown[] = []) =>
      (await deps.pool.query({ name: statementName(text), text, values: values as unknown[] })).rows as T[],
  };
}

/** Single statements on the app's pool (each its own transaction). */
export function poolSql(deps: { pool: pg.Pool }): Sql {
  return { query: async <T>(text: string, values: readonly unknown[] = []) => (await deps.pool.query(text, values as unknown[])).rows as T[] };
}

export function prismaSql(tx: Db): Sql {
  return { query: <T>(text: string, values: readonly unknown[] = []) => tx.$queryRawUnsafe<T[]>(text, ...values) };
}

/** `sql` as a library that brings its own statements runs them (pg-boss's `db` option: its INSERT of a job). */
export function sqlExecutor(sql: Sql): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } {
  return { executeSql: async (text, values) => ({ rows: await sql.query(text, values) }) };
}
