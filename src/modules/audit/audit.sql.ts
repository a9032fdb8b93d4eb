import type { Sql } from '../../db/sql.ts';

/** An audit entry as written (audit.service.ts's AuditRecord, which names the actions and details). */
export interface AuditRow {
  id: string;
  organisationId: string;
  action: string;
  actorType: string;
  actorId: string | null;
  subjectId: string | null;
  requestId: string | null;
  clientRequestId: string | null;
  detail: object | null;
  createdAt: Date;
}

/** Audit entries, in one statement. */
export async function insertAudit(sql: Sql, records: readonly AuditRow[]): Promise<void> {
  if (records.length === 0) return;
  const column = <K extends keyof AuditRow>(key: K) => records.map((r) => r[key]);
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
