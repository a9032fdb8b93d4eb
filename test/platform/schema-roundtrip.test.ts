import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../src/db/prisma.ts';
import { getDatamodel } from '../../src/generated/pothos-prisma-types.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createTestDatabase } from '../support/database.ts';

/**
 * Proves the migrated database matches schema.prisma: every model, with every scalar field set, is written
 * through Prisma and read back unchanged, and each table has exactly the columns the schema declares.
 * A column the migrations forgot, mistyped or left over fails here.
 */

type Field = ReturnType<typeof getDatamodel>['datamodel']['models'][string]['fields'][number];

const models = getDatamodel().datamodel.models;
// Parents before children.
const ORDER = [
  'Organisation',
  'User',
  'Membership',
  'Session',
  'UserToken',
  'Invitation',
  'ApiKey',
  'Event',
  'TicketType',
  'CustomField',
  'ImportJob',
  'Zone',
  'AccessCode',
  'Quota',
  'Attendee',
  'ScannerDevice',
  'Scan',
  'TicketSigningKey',
  'ScannerTombstone',
  'WebhookEndpoint',
  'WebhookDelivery',
  'WebhookAttempt',
  'EmailLog',
  'IdempotencyKey',
  'AuditEntry',
];

const ENUM_VALUES: Record<string, string> = {
  Role: 'STAFF',
  ApiKeyEnvironment: 'TEST',
  EventStatus: 'DRAFT',
  CustomFieldType: 'SELECT',
  AttendeeStatus: 'CHECKED_IN',
  RegistrationSource: 'IMPORT',
  WebhookTrigger: 'ATTENDEE_CHECKED_IN',
  DeliveryStatus: 'FAILED',
  EmailStatus: 'SENT',
  ImportStatus: 'RUNNING',
  TicketCodes: 'SIGNED',
  ScanDirection: 'OUT',
  ScanOutcome: 'DUPLICATE',
  WaitlistMode: 'OFFER',
};

/** Values that satisfy the hand-written CHECK constraints and column types. */
const OVERRIDES: Record<string, Record<string, unknown>> = {
  Event: { startsAt: new Date('2027-01-01T10:00:00.123Z'), endsAt: new Date('2027-01-01T12:00:00.456Z'), capacity: 100 },
  TicketType: { capacity: 5 },
  Attendee: { email: 'mixed.case@example.com', emailNormalized: 'mixed.case@example.com', qrToken: randomUUID() },
};

function valueFor(model: string, field: Field, n: number): unknown {
  const override = OVERRIDES[model]?.[field.name];
  if (override !== undefined) return override;
  const one = (() => {
    if (field.kind === 'enum') return ENUM_VALUES[field.type];
    switch (field.type) {
      case 'String':
        return `${model}.${field.name}.${n}`;
      case 'Int':
        return 7 + n;
      case 'BigInt':
        return BigInt(7 + n);
      case 'Boolean':
        return true;
      case 'DateTime':
        return new Date(Date.UTC(2026, 0, 1, 0, 0, n, 123));
      case 'Json':
        return { nested: { value: n, list: [1, 'two', null] } };
      default:
        throw new Error(`no test value for ${model}.${field.name}: ${field.type}`);
    }
  })();
  return field.isList ? [one] : one;
}

let prisma: PrismaClient;
let drop: () => Promise<void>;
beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  prisma = createPrisma({ databaseUrl: database.url, logger: createLogger('silent') });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await drop?.();
});

describe('the migrated database matches schema.prisma', () => {
  it('covers every model', () => {
    expect([...ORDER].sort()).toEqual(Object.keys(models).sort());
  });

  it('writes and reads back every scalar field of every model', async () => {
    const created: Record<string, string> = {};
    for (const [index, model] of ORDER.entries()) {
      const fields = models[model]?.fields ?? [];
      const foreignKeys = new Map<string, string>();
      for (const relation of fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
        for (const fk of relation.relationFromFields ?? []) foreignKeys.set(fk, relation.type);
      }
      const data: Record<string, unknown> = {};
      for (const field of fields) {
        if (field.kind === 'object' || field.isUpdatedAt) continue;
        const parent = foreignKeys.get(field.name);
        data[field.name] = parent ? created[parent] : field.isId ? `${model.toLowerCase()}_${index}` : valueFor(model, field, index);
      }
      const delegate = (prisma as unknown as Record<string, { create(args: unknown): Promise<unknown>; findUniqueOrThrow(args: unknown): Promise<unknown> }>)[
        model.charAt(0).toLowerCase() + model.slice(1)
      ];
      await delegate!.create({ data });
      const id = fields.find((f) => f.isId)?.name ?? 'id';
      const readBack = await delegate!.findUniqueOrThrow({ where: { [id]: data[id] } });
      expect(readBack, model).toMatchObject(data);
      created[model] = data[id] as string;
    }
  });

  it('has exactly the declared columns in every table', async () => {
    const runtime = (
      prisma as unknown as {
        _runtimeDataModel: { models: Record<string, { dbName: string | null; fields: Array<{ name: string; kind: string; dbName?: string | null }> }> };
      }
    )._runtimeDataModel.models;
    for (const [model, definition] of Object.entries(runtime)) {
      const expected = definition.fields
        .filter((f) => f.kind !== 'object')
        .map((f) => f.dbName ?? f.name)
        .sort();
      const rows = await prisma.$queryRaw<Array<{ column_name: string }>>`
        SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${definition.dbName ?? model}`;
      expect(rows.map((r) => r.column_name).sort(), model).toEqual(expected);
    }
  });

  it("has exactly the declared columns in the @@ignore'd tables too (written by plain SQL only)", async () => {
    const ignored = ignoredModels(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prisma', 'schema.prisma'), 'utf8'));
    expect(ignored.map((m) => m.table).sort()).toEqual(['event_attendee_counts', 'rate_limits', 'zone_counts']);
    for (const { table, columns } of ignored) {
      const rows = await prisma.$queryRaw<Array<{ column_name: string }>>`
        SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table}`;
      expect(rows.map((r) => r.column_name).sort(), table).toEqual(columns.sort());
    }
  });
});

/** Models marked @@ignore (Prisma leaves them out of its client and runtime model), read from schema.prisma. */
function ignoredModels(schema: string): Array<{ table: string; columns: string[] }> {
  return [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)]
    .filter(([, , body]) => /^\s*@@ignore\b/m.test(body!))
    .map(([, name, body]) => ({
      table: /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!,
      columns: body!
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => /^\w+\s+\w/.test(line))
        .map((line) => /@map\("([^"]+)"\)/.exec(line)?.[1] ?? line.split(/\s+/)[0]!),
    }));
}
