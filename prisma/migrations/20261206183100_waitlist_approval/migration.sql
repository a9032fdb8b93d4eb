-- Waitlists and approval (issue 29), part two: the counters learn the new statuses, and the lines get their index.
-- `registered` keeps its meaning "holds a seat": registered, checked in, no-show, and an offered seat held for
-- someone (so capacity arithmetic stays one column). No attendee has a new status yet: nothing to recount.

CREATE OR REPLACE FUNCTION eventogate_add_attendee_counts(deltas event_attendee_counts[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO event_attendee_counts AS c (event_id, test_mode, ticket_type_id, shard, registered, checked_in, cancelled, no_show,
                                          waitlisted, offered, pending_approval, declined)
  SELECT d.event_id, d.test_mode, d.ticket_type_id, (txid_current() % 8)::smallint,
         sum(d.registered)::int, sum(d.checked_in)::int, sum(d.cancelled)::int, sum(d.no_show)::int,
         sum(d.waitlisted)::int, sum(d.offered)::int, sum(d.pending_approval)::int, sum(d.declined)::int
  FROM unnest(deltas) d
  WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id)
  GROUP BY d.event_id, d.test_mode, d.ticket_type_id
  HAVING sum(d.registered) <> 0 OR sum(d.checked_in) <> 0 OR sum(d.cancelled) <> 0 OR sum(d.no_show) <> 0
      OR sum(d.waitlisted) <> 0 OR sum(d.offered) <> 0 OR sum(d.pending_approval) <> 0 OR sum(d.declined) <> 0
  ORDER BY d.event_id, d.test_mode, d.ticket_type_id
  ON CONFLICT (event_id, test_mode, ticket_type_id, shard)
  DO UPDATE SET registered = c.registered + EXCLUDED.registered, checked_in = c.checked_in + EXCLUDED.checked_in,
                cancelled = c.cancelled + EXCLUDED.cancelled, no_show = c.no_show + EXCLUDED.no_show,
                waitlisted = c.waitlisted + EXCLUDED.waitlisted, offered = c.offered + EXCLUDED.offered,
                pending_approval = c.pending_approval + EXCLUDED.pending_approval, declined = c.declined + EXCLUDED.declined
$$;

-- Columns in the table's order: event_id, test_mode, shard, registered, checked_in, ticket_type_id, cancelled, no_show,
-- waitlisted, offered, pending_approval, declined.
CREATE OR REPLACE FUNCTION eventogate_attendee_delta(a attendees, sign int) RETURNS event_attendee_counts LANGUAGE sql IMMUTABLE AS $$
  SELECT ROW(a.event_id, a.test_mode, 0, sign * (a.status IN ('REGISTERED', 'CHECKED_IN', 'NO_SHOW', 'OFFERED'))::int,
             sign * (a.status = 'CHECKED_IN')::int, a.ticket_type_id, sign * (a.status = 'CANCELLED')::int,
             sign * (a.status = 'NO_SHOW')::int, sign * (a.status = 'WAITLISTED')::int, sign * (a.status = 'OFFERED')::int,
             sign * (a.status = 'PENDING_APPROVAL')::int, sign * (a.status = 'DECLINED')::int)::event_attendee_counts
$$;

-- A line in order (promotion takes its head; a position is a count of the entries ahead).
CREATE INDEX "attendees_waitlist_idx" ON "attendees"("ticket_type_id", "test_mode", "waitlist_rank") WHERE "waitlist_rank" IS NOT NULL;
-- Offers past their time (the expiry sweep).
CREATE INDEX "attendees_offer_expiry_idx" ON "attendees"("offer_expires_at") WHERE "status" = 'OFFERED';
