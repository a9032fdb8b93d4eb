-- Questions that depend on answers (issue 30): a field asked only when an earlier answer is one of some values, or only
-- for some ticket types. Compatible with the previous version during a rolling deploy: new columns with defaults,
-- which it never reads (a condition set during the deploy is enforced by the new version only).

-- AlterTable
ALTER TABLE "custom_fields" ADD COLUMN     "show_if_field_key" TEXT,
ADD COLUMN     "show_if_values" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "ticket_type_ids" TEXT[] DEFAULT ARRAY[]::TEXT[];

