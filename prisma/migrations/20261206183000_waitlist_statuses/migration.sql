-- Waitlists and approval (issue 29), part one: the new statuses and columns. PostgreSQL lets a new enum value be
-- used only once the transaction that added it has committed, so what uses them is the next migration.
-- Compatible with the previous version during a rolling deploy: it never writes these statuses, its explicit column
-- lists ignore the new columns, and every new column has a default.

ALTER TYPE "AttendeeStatus" ADD VALUE 'WAITLISTED';
ALTER TYPE "AttendeeStatus" ADD VALUE 'OFFERED';
ALTER TYPE "AttendeeStatus" ADD VALUE 'PENDING_APPROVAL';
ALTER TYPE "AttendeeStatus" ADD VALUE 'DECLINED';

ALTER TYPE "WebhookTrigger" ADD VALUE 'ATTENDEE_WAITLISTED';
ALTER TYPE "WebhookTrigger" ADD VALUE 'ATTENDEE_PENDING_APPROVAL';

CREATE TYPE "WaitlistMode" AS ENUM ('OFF', 'AUTO', 'OFFER');

ALTER TABLE "ticket_types"
  ADD COLUMN "waitlist" "WaitlistMode" NOT NULL DEFAULT 'OFF',
  ADD COLUMN "offer_hours" INTEGER NOT NULL DEFAULT 24,
  ADD COLUMN "requires_approval" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "attendees"
  ADD COLUMN "waitlist_rank" BIGINT,
  ADD COLUMN "offer_expires_at" TIMESTAMPTZ(3);

-- Arrival order across every line: a rank is taken under the ticket type's row lock, so ranks follow commits.
CREATE SEQUENCE "attendee_waitlist_rank_seq" AS BIGINT;

ALTER TABLE "event_attendee_counts"
  ADD COLUMN "waitlisted" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "offered" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "pending_approval" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "declined" INTEGER NOT NULL DEFAULT 0;
