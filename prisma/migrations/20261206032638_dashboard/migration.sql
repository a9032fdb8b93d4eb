-- The dashboard (issue 25): an event's public form can be switched off; audit entries say what changed (a status's
-- from and to, the names of edited fields), and an attendee's page lists its history by subject.

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "public_form" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "detail" JSONB;

-- CreateIndex
CREATE INDEX "audit_log_organisation_id_subject_id_id_idx" ON "audit_log"("organisation_id", "subject_id", "id");

