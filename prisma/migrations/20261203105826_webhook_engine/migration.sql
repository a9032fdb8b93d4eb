-- AlterTable
ALTER TABLE "webhook_endpoints" ADD COLUMN     "disabled_at" TIMESTAMPTZ(3),
ADD COLUMN     "disabled_reason" TEXT,
ADD COLUMN     "failing_since" TIMESTAMPTZ(3),
ADD COLUMN     "last_failure_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_success_at" TIMESTAMPTZ(3),
ADD COLUMN     "paused_until" TIMESTAMPTZ(3),
ADD COLUMN     "previous_secret_ciphertext" TEXT,
ADD COLUMN     "rate_limit_per_second" INTEGER,
ADD COLUMN     "rate_window_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rate_window_start" TIMESTAMPTZ(3),
ADD COLUMN     "secret_overlap_ends_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "automatic_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lease_token" TEXT,
ADD COLUMN     "lease_until" TIMESTAMPTZ(3),
ADD COLUMN     "replay_requested_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "webhook_attempts" ADD COLUMN     "endpoint_id" TEXT;

-- CreateIndex
CREATE INDEX "webhook_deliveries_created_at_idx" ON "webhook_deliveries"("created_at");

-- CreateIndex
CREATE INDEX "webhook_attempts_endpoint_id_created_at_idx" ON "webhook_attempts"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_attempts_created_at_idx" ON "webhook_attempts"("created_at");


-- Hand-written: the delivery engine's queue reads (due deliveries, an endpoint's in-flight and pending ones,
-- replays) are index scans over PENDING rows only.
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at") WHERE "status" = 'PENDING';
CREATE INDEX "webhook_deliveries_pending_endpoint_idx" ON "webhook_deliveries"("endpoint_id", "next_attempt_at") WHERE "status" = 'PENDING';
CREATE INDEX "webhook_deliveries_leased_idx" ON "webhook_deliveries"("endpoint_id", "lease_until") WHERE "lease_until" IS NOT NULL;
CREATE INDEX "webhook_deliveries_replay_idx" ON "webhook_deliveries"("replay_requested_at") WHERE "replay_requested_at" IS NOT NULL;

-- Deliveries written by the previous engine (one pg-boss job per attempt) continue in this one.
UPDATE "webhook_attempts" a SET "endpoint_id" = d."endpoint_id" FROM "webhook_deliveries" d WHERE d."id" = a."delivery_id";
UPDATE "webhook_deliveries" d SET "automatic_attempts" = (SELECT count(*) FROM "webhook_attempts" a WHERE a."delivery_id" = d."id" AND NOT a."manual");
UPDATE "webhook_deliveries" SET "next_attempt_at" = now() WHERE "status" = 'PENDING' AND "next_attempt_at" IS NULL;
