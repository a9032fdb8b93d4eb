-- Security round two (issue 27): an audit entry's request id is always ours; the caller's X-Request-Id is kept beside it.

-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "client_request_id" TEXT;

