-- Access codes and quotas (issue 30). Compatible with the previous version during a rolling deploy: new tables it
-- never reads, new columns with defaults (a code or quota created during the deploy is enforced by the new version
-- only: the previous one ignores shared_limits and registers hidden types like any other).

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "shared_limits" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ticket_types" ADD COLUMN     "hidden" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "attendees" ADD COLUMN     "access_code" TEXT,
ADD COLUMN     "access_code_id" TEXT;

-- CreateTable
CREATE TABLE "access_codes" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "code_normalized" TEXT NOT NULL,
    "ticket_type_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "max_uses" INTEGER,
    "valid_from" TIMESTAMPTZ(3),
    "valid_until" TIMESTAMPTZ(3),
    "reserved_seats" INTEGER NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "access_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quotas" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "ticket_type_ids" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "quotas_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "access_codes_event_id_code_normalized_key" ON "access_codes"("event_id", "code_normalized");

-- CreateIndex
CREATE INDEX "quotas_event_id_idx" ON "quotas"("event_id");

-- AddForeignKey
ALTER TABLE "attendees" ADD CONSTRAINT "attendees_access_code_id_fkey" FOREIGN KEY ("access_code_id") REFERENCES "access_codes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quotas" ADD CONSTRAINT "quotas_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- A code's uses, counted under its row lock (only attendees who used a code are in it).
CREATE INDEX "attendees_access_code_idx" ON "attendees"("access_code_id", "test_mode") WHERE "access_code_id" IS NOT NULL;
-- Codes whose held seats are released by the clock (the per-minute job seats those in line).
CREATE INDEX "access_codes_valid_until_idx" ON "access_codes"("valid_until") WHERE "reserved_seats" > 0;
