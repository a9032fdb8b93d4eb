-- AlterTable
ALTER TABLE "email_logs" ADD COLUMN     "dev_mailbox_file" TEXT;

