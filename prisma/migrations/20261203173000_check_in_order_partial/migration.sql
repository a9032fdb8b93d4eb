-- Hand-written. The check-in order index holds the checked-in only, so a registration (never checked in yet)
-- writes one index fewer; the rest of that list order reads the registration-time index (attendees.sql.ts,
-- ATTENDEE_ORDER_SEGMENTS). During a rolling deploy the previous version's query still answers, with a sort.
DROP INDEX "attendees_check_in_order_idx";
CREATE INDEX "attendees_check_in_order_idx" ON "attendees"("event_id", "test_mode", "checked_in_at" DESC, "id" DESC) WHERE "checked_in_at" IS NOT NULL;
