-- Live registered / checked-in counts per event and mode, kept by triggers on attendees so that every write
-- path (registration, import, check-in, status change, deletion) updates them in its own transaction.
-- eventStats reads a handful of rows instead of counting an event's attendees on every check-in.
-- "registered" counts attendees who are not cancelled; "checked_in" those checked in. Each transaction adds
-- to one of 8 shard rows (by transaction id), so concurrent writers to one event rarely wait on each other;
-- a read sums the shards.

-- CreateTable
CREATE TABLE "event_attendee_counts" (
    "event_id" TEXT NOT NULL,
    "test_mode" BOOLEAN NOT NULL,
    "shard" SMALLINT NOT NULL,
    "registered" INTEGER NOT NULL DEFAULT 0,
    "checked_in" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "event_attendee_counts_pkey" PRIMARY KEY ("event_id","test_mode","shard")
);

-- Adds per-(event, mode) deltas to this transaction's shard, in key order (no deadlocks between writers).
-- An event being deleted is skipped: its attendees go with it, and so do its counts (below).
CREATE FUNCTION eventogate_add_attendee_counts(deltas event_attendee_counts[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO event_attendee_counts AS c (event_id, test_mode, shard, registered, checked_in)
  SELECT d.event_id, d.test_mode, (txid_current() % 8)::smallint, sum(d.registered)::int, sum(d.checked_in)::int
  FROM unnest(deltas) d
  WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id)
  GROUP BY d.event_id, d.test_mode
  HAVING sum(d.registered) <> 0 OR sum(d.checked_in) <> 0
  ORDER BY d.event_id, d.test_mode
  ON CONFLICT (event_id, test_mode, shard)
  DO UPDATE SET registered = c.registered + EXCLUDED.registered, checked_in = c.checked_in + EXCLUDED.checked_in
$$;

CREATE FUNCTION eventogate_count_attendees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Transition tables exist only for the operations that have them, hence one statement per operation.
  IF TG_OP = 'INSERT' THEN
    PERFORM eventogate_add_attendee_counts(ARRAY(
      SELECT ROW(n.event_id, n.test_mode, 0, (n.status <> 'CANCELLED')::int, (n.status = 'CHECKED_IN')::int)::event_attendee_counts FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM eventogate_add_attendee_counts(ARRAY(
      SELECT ROW(o.event_id, o.test_mode, 0, -(o.status <> 'CANCELLED')::int, -(o.status = 'CHECKED_IN')::int)::event_attendee_counts FROM old_rows o));
  ELSE
    PERFORM eventogate_add_attendee_counts(ARRAY(
      SELECT ROW(n.event_id, n.test_mode, 0, (n.status <> 'CANCELLED')::int, (n.status = 'CHECKED_IN')::int)::event_attendee_counts FROM new_rows n
      UNION ALL
      SELECT ROW(o.event_id, o.test_mode, 0, -(o.status <> 'CANCELLED')::int, -(o.status = 'CHECKED_IN')::int)::event_attendee_counts FROM old_rows o));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER attendees_count_insert AFTER INSERT ON attendees
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventogate_count_attendees();
CREATE TRIGGER attendees_count_update AFTER UPDATE ON attendees
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION eventogate_count_attendees();
CREATE TRIGGER attendees_count_delete AFTER DELETE ON attendees
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION eventogate_count_attendees();

-- An event's counts go with it.
CREATE FUNCTION eventogate_forget_event_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM event_attendee_counts c USING old_events e WHERE c.event_id = e.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER events_forget_counts AFTER DELETE ON events
  REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION eventogate_forget_event_counts();

-- Existing attendees.
INSERT INTO event_attendee_counts (event_id, test_mode, shard, registered, checked_in)
SELECT event_id, test_mode, 0, count(*) FILTER (WHERE status <> 'CANCELLED'), count(*) FILTER (WHERE status = 'CHECKED_IN')
FROM attendees GROUP BY event_id, test_mode;
