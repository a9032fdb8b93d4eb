import type { Sql } from '../../db/sql.ts';
import type { AuditRecord } from './audit.service.ts';

/** Audit entries, in one statement. */
export async function insertAudit(sql: Sql, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <K extends keyof AuditRecord>(key: K) => records.map((r) => r[key]);
  await sql.query(
    `INSERT INTO audit_log (id, organisation_id, action, actor_type, actor_id, subject_id, request_id, created_at, detail, client_request_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::jsonb[], $10::text[])`,
    [
      column('id'),
      column('organisationId'),
      column('action'),
      column('actorType'),
      column('actorId'),
      column('subjectId'),
      column('requestId'),
      column('createdAt'),
      records.map((r) => (r.detail ? JSON.stringify(r.detail) : null)),
      column('clientRequestId'),
    ],
  );
}
