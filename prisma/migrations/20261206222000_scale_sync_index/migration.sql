-- At scale (issue 31): a door phone's sync pages walk this index in (sync_txid, id) order from the cursor, so a page
-- costs the same at 300,000 attendees as at 10,000 (it was a sequential scan of the whole event per page: the first
-- sync grew quadratically). The migration of 20261203163400_door chose no index, measured at 50,000 only.
CREATE INDEX "attendees_sync_idx" ON "attendees"("event_id", "test_mode", "sync_txid", "id");

-- The signed codes a door must refuse offline (live attendees without a valid ticket), sent with every sync page:
-- only those rows are in this index, so reading them no longer scans the event, and registrations (REGISTERED) add
-- nothing to it.
CREATE INDEX "attendees_revoked_codes_idx" ON "attendees"("event_id", "id")
  WHERE "ticket_code" IS NOT NULL AND NOT "test_mode" AND "status" NOT IN ('REGISTERED', 'CHECKED_IN', 'NO_SHOW');
