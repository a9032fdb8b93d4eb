-- AlterTable
ALTER TABLE "events" ADD COLUMN     "retention_days" INTEGER;

-- AlterTable
ALTER TABLE "attendees" ADD COLUMN     "erased_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "erased_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" TEXT NOT NULL,
    "organisation_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "subject_id" TEXT,
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_organisation_id_id_idx" ON "audit_log"("organisation_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_organisation_id_action_id_idx" ON "audit_log"("organisation_id", "action", "id");

-- CreateIndex
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_attendee_id_idx" ON "webhook_deliveries"("attendee_id");


-- The audit log is append-only: no entry is ever changed (deletion is the retention job's, by age).
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();

-- Hand-written (partial, which Prisma cannot declare): erased attendees by organisation and time. An import that
-- read its file before an erasure skips the people erased since (imports.sql.ts). A registration never writes it.
CREATE INDEX "attendees_erased_idx" ON "attendees"("organisation_id", "erased_at") WHERE "erased_at" IS NOT NULL;
