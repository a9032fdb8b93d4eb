import type { Sql } from '../../db/sql.ts';

/**
 * The organisation's deliveries about these attendees (by attendee, indexed), and those of no attendee any more
 * (deleted: SET NULL) whose payload names one of the emails; locked in id order.
 */
export async function lockDeliveriesNaming(
  sql: Sql,
  options: { organisationId: string; attendeeIds: readonly string[]; emailPatterns: readonly string[] },
): Promise<Array<{ id: string; payload: string }>> {
  return await sql.query<{ id: string; payload: string }>(
    `SELECT d.id, d.payload FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
     WHERE w.organisation_id = $1
       AND (d.attendee_id = ANY($2::text[]) OR (d.attendee_id IS NULL AND lower(d.payload) LIKE ANY($3::text[])))
     ORDER BY d.id
     FOR UPDATE OF d`,
    [options.organisationId, options.attendeeIds, options.emailPatterns],
  );
}

/**
 * New payloads for deliveries, and the same for every attempt's request body (the receivers' answers dropped). A
 * pending delivery is not sent any more; an attempt in flight keeps its lease, and its end records no answer and
 * no retry (erased_at, see completeAttempts and updateDeliveries).
 */
export async function redactDeliveries(sql: Sql, deliveries: ReadonlyArray<{ id: string; payload: string }>): Promise<void> {
  const ids = deliveries.map((d) => d.id);
  const payloads = deliveries.map((d) => d.payload);
  await sql.query(
    `UPDATE webhook_deliveries AS d
     SET payload = r.payload,
         status = CASE WHEN d.status = 'PENDING' THEN 'FAILED'::"DeliveryStatus" ELSE d.status END,
         next_attempt_at = NULL, replay_requested_at = NULL, erased_at = now(), updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS r(id, payload)
     WHERE d.id = r.id`,
    [ids, payloads],
  );
  await sql.query(
    `UPDATE webhook_attempts AS a SET request_body = r.payload, response_body = NULL, error = NULL
     FROM unnest($1::text[], $2::text[]) AS r(id, payload)
     WHERE a.delivery_id = r.id`,
    [ids, payloads],
  );
}
