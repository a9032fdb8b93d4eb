import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, resolve, sep } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
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
  /**
   * Sends one message; `signal` (a job's: given up on, or the worker stopping) aborts the send where it is. `kind`
   * names the message in the dev mailbox (a confirmation's file is swept when no email log points to it).
   */
  send(message: Mail.Options, options?: { signal?: AbortSignal; kind?: string }): Promise<SentMail>;
  close(): void;
}

/**
 * nodemailer over SMTP_URL (smtp:// or smtps://, credentials in the URL). Without SMTP_URL (the embedded
 * default) every message is written as an .eml file to DATA_DIR/mailbox, where a person can open it.
 */
export function createMailTransport(
  config: Pick<Config, 'smtpUrl' | 'dataDir' | 'mailFrom' | 'smtpTimeoutMs'>,
  write: MailboxWrite = (path, data, options) => writeFile(path, data, options),
): MailTransport {
  if (config.smtpUrl) return smtpTransport(config.smtpUrl, config);
  return devMailboxTransport(config, write);
}

/**
 * How the dev mailbox puts a message on disk: fs's writeFile. Tests hand in one that fails midway (a full disk)
 * to check that nothing is left behind.
 */
export type MailboxWrite = (path: string, data: Buffer, options: { mode: number }) => Promise<void>;

/**
 * Every message as an .eml file in DATA_DIR/mailbox (no SMTP_URL: the embedded default), readable by this user
 * only — they hold tickets and account tokens. Written under a `.partial-` name and renamed when complete, so a
 * write that fails (a full disk) leaves no half message with someone's name and address in it: the partial file
 * is removed, and one a crash left behind is swept (sweepMailbox). Attendee emails are named `…-<kind>-…` (`…-confirmation-…`).
 */
function devMailboxTransport(config: Pick<Config, 'dataDir' | 'mailFrom'>, write: MailboxWrite): MailTransport {
  const mailbox = mailboxDir(config);
  const options: StreamTransport.Options = { streamTransport: true, buffer: true, newline: 'unix' };
  const writer = nodemailer.createTransport(options, { from: config.mailFrom });
  return {
    description: `dev mailbox ${mailbox} (no SMTP_URL set)`,
    send: async (message, sendOptions = {}) => {
      const info = await writer.sendMail(message);
      await mkdir(mailbox, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${sendOptions.kind ?? 'message'}-${info.messageId.replace(/[^A-Za-z0-9@.-]/g, '')}.eml`;
      const partial = join(mailbox, `${PARTIAL}${name}`);
      try {
        await write(partial, (info as unknown as StreamTransport.SentMessageInfo).message as Buffer, { mode: 0o600 });
        await rename(partial, join(mailbox, name));
      } catch (error) {
        await unlink(partial).catch(() => {});
        throw error;
      }
      return { messageId: info.messageId, devMailboxFile: join(mailbox, name) };
    },
    close: () => writer.close(),
  };
}

const PARTIAL = '.partial-';

/**
 * SMTP with every wait bounded, each well below an email job's expiry (120 s): the TCP connect and the greeting
 * 10 s, silence mid-conversation 30 s (nodemailer's default is 10 minutes), and the whole send SMTP_TIMEOUT_MS
 * (60 s) — so a server that stalls mid-DATA fails this attempt, which is retried, instead of the job expiring
 * and running again beside a session still open (two confirmations). The send also stops on `signal`. nodemailer
 * has no abort of its own: the socket is ours (its `getSocket` hook), and destroying it ends the session
 * wherever it is. One connection per message, so one slow message holds back no other (sends run concurrently).
 */
function smtpTransport(smtpUrl: string, config: Pick<Config, 'mailFrom' | 'smtpTimeoutMs'>): MailTransport {
  const connectMs = Math.min(SMTP_CONNECT_TIMEOUT_MS, config.smtpTimeoutMs);
  const timeouts = {
    connectionTimeout: connectMs,
    greetingTimeout: connectMs,
    socketTimeout: Math.min(SMTP_IDLE_TIMEOUT_MS, config.smtpTimeoutMs),
    dnsTimeout: connectMs,
  };
  return {
    description: `SMTP ${new URL(smtpUrl).host}`,
    send: async (message, options = {}) => {
      const deadline = AbortSignal.any([AbortSignal.timeout(config.smtpTimeoutMs), ...(options.signal ? [options.signal] : [])]);
      const sockets = new Set<Socket>();
      const abort = () => {
        for (const socket of sockets) socket.destroy();
      };
      deadline.addEventListener('abort', abort, { once: true });
      try {
        deadline.throwIfAborted();
        // The transport object, not createTransport's options: given a `url`, createTransport drops every other option.
        const transport = new SMTPTransport({
          url: smtpUrl,
          ...timeouts,
          getSocket: (target: { host: string; port: number }, callback: (error: Error | null, socket?: { connection: Socket }) => void) => {
            const socket = connect({ host: target.host, port: target.port, timeout: connectMs });
            sockets.add(socket);
            if (deadline.aborted) socket.destroy();
            const fail = (error: Error) => callback(error);
            socket.once('error', fail);
            socket.once('timeout', () => socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })));
            socket.once('connect', () => {
              socket.off('error', fail);
              socket.setTimeout(0);
              callback(null, { connection: socket });
            });
          },
        } as SMTPTransport.Options);
        const smtp = nodemailer.createTransport(transport, { from: config.mailFrom });
        const info = await smtp.sendMail(message);
        return { messageId: info.messageId, devMailboxFile: null };
      } catch (error) {
        // Say why the session was cut, not "socket closed".
        if (deadline.aborted) throw new Error(`SMTP send aborted: ${abortReason(deadline, config.smtpTimeoutMs)}`, { cause: error });
        throw error;
      } finally {
        deadline.removeEventListener('abort', abort);
      }
    },
    close: () => {},
  };
}

const SMTP_CONNECT_TIMEOUT_MS = 10_000;
const SMTP_IDLE_TIMEOUT_MS = 30_000;

function abortReason(signal: AbortSignal, timeoutMs: number): string {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  if (reason?.name === 'TimeoutError') return `no answer within SMTP_TIMEOUT_MS (${timeoutMs} ms)`;
  return reason?.message ?? 'the job was stopped';
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

/**
 * Removes from the dev mailbox what no email log accounts for: `.partial-` files a crash left mid-write, and
 * confirmations whose log does not point to them (the process died between writing the file and recording it; the
 * retry wrote another). Both hold a person's name and address. Files younger than a minute may still be on their
 * way to being recorded and are left. Run by the hourly cleanup and by every erasure. Answers how many went.
 */
/** The files of attendee emails (a confirmation, a waitlist or approval notice), which email logs point to. */
const ATTENDEE_MAIL = /-(confirmation|waitlisted|pending_approval|declined|waitlist_offer)-/;

export async function sweepMailbox(
  deps: { config: Pick<Config, 'dataDir'>; logger: Logger },
  referenced: (files: string[]) => Promise<Set<string>>,
): Promise<number> {
  const mailbox = mailboxDir(deps.config);
  const names = await readdir(mailbox).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const candidates = names.filter((name) => name.startsWith(PARTIAL) || ATTENDEE_MAIL.test(name)).map((name) => join(mailbox, name));
  const settled: string[] = [];
  for (const file of candidates) {
    const info = await stat(file).catch(() => null);
    if (info && Date.now() - info.mtimeMs > MAILBOX_SETTLE_MS) settled.push(file);
  }
  if (settled.length === 0) return 0;
  const kept = await referenced(settled.filter((file) => !file.slice(mailbox.length + 1).startsWith(PARTIAL)));
  const orphans = settled.filter((file) => !kept.has(file));
  await removeMailboxFiles(deps, orphans);
  return orphans.length;
}

const MAILBOX_SETTLE_MS = 60_000;
