-- Hand-written. Dashboards read an event's numbers as fields (Event.stats, TicketType.registeredCount and
-- remaining, totalCount): the trigger-kept counters gain a ticket type and the cancelled and no-show counts, so
-- every one of them is a sum over a few shard rows, never a count of the event's attendees.
-- Compatible with the previous version during a rolling deploy: it reads sum(registered), sum(checked_in) per
-- event and mode, which keep their meaning (registered = not cancelled; checked_in = status CHECKED_IN).

ALTER TABLE "event_attendee_counts"
  ADD COLUMN "ticket_type_id" TEXT,
  ADD COLUMN "cancelled" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "no_show" INTEGER NOT NULL DEFAULT 0;

-- Recounted from the attendees themselves; writers wait (the triggers below are replaced in this transaction).
LOCK TABLE "attendees" IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM "event_attendee_counts";
INSERT INTO "event_attendee_counts" (event_id, test_mode, ticket_type_id, shard, registered, checked_in, cancelled, no_show)
SELECT event_id, test_mode, ticket_type_id, 0,
       count(*) FILTER (WHERE status <> 'CANCELLED'), count(*) FILTER (WHERE status = 'CHECKED_IN'),
       count(*) FILTER (WHERE status = 'CANCELLED'), count(*) FILTER (WHERE status = 'NO_SHOW')
FROM "attendees" GROUP BY event_id, test_mode, ticket_type_id;

ALTER TABLE "event_attendee_counts" ALTER COLUMN "ticket_type_id" SET NOT NULL;
ALTER TABLE "event_attendee_counts" DROP CONSTRAINT "event_attendee_counts_pkey";
ALTER TABLE "event_attendee_counts" ADD CONSTRAINT "event_attendee_counts_pkey" PRIMARY KEY ("event_id", "test_mode", "ticket_type_id", "shard");

-- The row type gained columns, so the functions are rebuilt around it (same names: the triggers stay).
CREATE OR REPLACE FUNCTION eventogate_add_attendee_counts(deltas event_attendee_counts[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO event_attendee_counts AS c (event_id, test_mode, ticket_type_id, shard, registered, checked_in, cancelled, no_show)
  SELECT d.event_id, d.test_mode, d.ticket_type_id, (txid_current() % 8)::smallint,
         sum(d.registered)::int, sum(d.checked_in)::int, sum(d.cancelled)::int, sum(d.no_show)::int
  FROM unnest(deltas) d
  WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id)
  GROUP BY d.event_id, d.test_mode, d.ticket_type_id
  HAVING sum(d.registered) <> 0 OR sum(d.checked_in) <> 0 OR sum(d.cancelled) <> 0 OR sum(d.no_show) <> 0
  ORDER BY d.event_id, d.test_mode, d.ticket_type_id
  ON CONFLICT (event_id, test_mode, ticket_type_id, shard)
  DO UPDATE SET registered = c.registered + EXCLUDED.registered, checked_in = c.checked_in + EXCLUDED.checked_in,
                cancelled = c.cancelled + EXCLUDED.cancelled, no_show = c.no_show + EXCLUDED.no_show
$$;

-- One attendee row as a delta of +1 (new) or -1 (old) to each count it falls in. Columns in the table's order:
-- event_id, test_mode, shard, registered, checked_in, ticket_type_id, cancelled, no_show.
CREATE FUNCTION eventogate_attendee_delta(a attendees, sign int) RETURNS event_attendee_counts LANGUAGE sql IMMUTABLE AS $$
  SELECT ROW(a.event_id, a.test_mode, 0, sign * (a.status <> 'CANCELLED')::int, sign * (a.status = 'CHECKED_IN')::int,
             a.ticket_type_id, sign * (a.status = 'CANCELLED')::int, sign * (a.status = 'NO_SHOW')::int)::event_attendee_counts
$$;

CREATE OR REPLACE FUNCTION eventogate_count_attendees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Transition tables exist only for the operations that have them, hence one statement per operation.
  IF TG_OP = 'INSERT' THEN
    PERFORM eventogate_add_attendee_counts(ARRAY(SELECT eventogate_attendee_delta(n, 1) FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM eventogate_add_attendee_counts(ARRAY(SELECT eventogate_attendee_delta(o, -1) FROM old_rows o));
  ELSE
    PERFORM eventogate_add_attendee_counts(ARRAY(
      SELECT eventogate_attendee_delta(n, 1) FROM new_rows n
      UNION ALL
      SELECT eventogate_attendee_delta(o, -1) FROM old_rows o));
  END IF;
  RETURN NULL;
END
$$;

-- Dashboards: the attendee table by last name and by check-in time (most recent first, the not-yet-checked-in
-- last), events by creation. Registration order already has attendees_event_id_test_mode_registered_at_id_idx.
CREATE INDEX "attendees_event_id_test_mode_last_name_first_name_id_idx" ON "attendees"("event_id", "test_mode", "last_name", "first_name", "id");
CREATE INDEX "attendees_check_in_order_idx" ON "attendees"("event_id", "test_mode", "checked_in_at" DESC NULLS LAST, "id" DESC);
CREATE INDEX "events_organisation_id_created_at_idx" ON "events"("organisation_id", "created_at");

-- Privacy (updateOrganisation's retentionDays; erasure itself comes with the retention job).
ALTER TABLE "organisations" ADD COLUMN "retention_days" INTEGER;
