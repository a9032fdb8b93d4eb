import { mkdirSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type StreamTransport from 'nodemailer/lib/stream-transport/index.js';
import type { Config } from '../../config.ts';
import type { Logger } from '../../lib/logger.ts';

export interface SentMail {
  messageId: string;
  /** Set when the message went to the local dev mailbox instead of SMTP. */
  devMailboxFile: string | null;
}

export interface MailTransport {
  readonly description: string;
  send(message: Mail.Options): Promise<SentMail>;
  close(): void;
}

/**
 * nodemailer over SMTP_URL (smtp:// or smtps://, credentials in the URL). Without SMTP_URL (the embedded
 * default) every message is written as an .eml file to DATA_DIR/mailbox, where a person can open it.
 */
export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'mailFrom'>): MailTransport {
  if (config.smtpUrl) {
    const smtp: Transporter = nodemailer.createTransport(config.smtpUrl, { from: config.mailFrom });
    const host = new URL(config.smtpUrl).host;
    return {
      description: `SMTP ${host}`,
      send: async (message) => {
        const info = await smtp.sendMail(message);
        return { messageId: info.messageId, devMailboxFile: null };
      },
      close: () => smtp.close(),
    };
  }
  const mailbox = mailboxDir(config);
  const options: StreamTransport.Options = { streamTransport: true, buffer: true, newline: 'unix' };
  const writer = nodemailer.createTransport(options, { from: config.mailFrom });
  return {
    description: `dev mailbox ${mailbox} (no SMTP_URL set)`,
    send: async (message) => {
      const info = await writer.sendMail(message);
      // The messages hold tickets and account tokens: readable by this user only.
      mkdirSync(mailbox, { recursive: true, mode: 0o700 });
      const file = `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^A-Za-z0-9@.-]/g, '')}.eml`;
      writeFileSync(join(mailbox, file), (info as unknown as StreamTransport.SentMessageInfo).message as Buffer, { mode: 0o600 });
      return { messageId: info.messageId, devMailboxFile: join(mailbox, file) };
    },
    close: () => writer.close(),
  };
}

/** Where the dev mailbox writes: DATA_DIR/mailbox. */
function mailboxDir(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'mailbox');
}

/**
 * Deletes dev-mailbox files (of erased people, of email logs past retention). Only files inside DATA_DIR/mailbox
 * are touched, whatever a row says; one already gone is fine.
 */
export async function removeMailboxFiles(deps: { config: Pick<Config, 'dataDir'>; logger: Logger }, files: readonly string[]): Promise<void> {
  const mailbox = mailboxDir(deps.config) + sep;
  for (const file of files) {
    const path = resolve(file);
    if (!path.startsWith(mailbox)) continue;
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') deps.logger.warn({ err: error }, 'could not delete a message from the dev mailbox');
    });
  }
}
