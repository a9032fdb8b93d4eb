import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, resolve, sep } from 'node:path';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
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
 * has no abort of its own: the socket is ours, and destroying it ends the session wherever it is.
 *
 * One message per connection at a time, so one slow message holds back no other (sends run concurrently); a
 * connection whose message went through is kept for the next one (up to MAX_IDLE_CONNECTIONS, for IDLE_MS, at most
 * MESSAGES_PER_CONNECTION each): a launch's burst of confirmations no longer opens one connection, with its whole
 * handshake, per message (npm run bench:mail). A kept connection the server closed meanwhile is noticed and dropped;
 * a send that fails on a kept connection before anything was accepted is tried once on a new one.
 */
function smtpTransport(smtpUrl: string, config: Pick<Config, 'mailFrom' | 'smtpTimeoutMs'>): MailTransport {
  const connectMs = Math.min(SMTP_CONNECT_TIMEOUT_MS, config.smtpTimeoutMs);
  const server = parseConnectionUrl(smtpUrl);
  const options: SMTPConnection.Options = {
    ...server,
    connectionTimeout: connectMs,
    greetingTimeout: connectMs,
    socketTimeout: Math.min(SMTP_IDLE_TIMEOUT_MS, config.smtpTimeoutMs),
    dnsTimeout: connectMs,
  };
  const host = server.host ?? 'localhost';
  const port = Number(server.port) || (server.secure ? 465 : 587);
  const idle: Pooled[] = [];
  let closed = false;

  const drop = (pooled: Pooled) => {
    pooled.dead = true;
    if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
    const at = idle.indexOf(pooled);
    if (at >= 0) idle.splice(at, 1);
    pooled.socket.destroy();
  };
  const keep = (pooled: Pooled) => {
    if (closed || pooled.dead || pooled.messages >= MESSAGES_PER_CONNECTION || idle.length >= MAX_IDLE_CONNECTIONS) {
      if (!pooled.dead) pooled.connection.quit();
      return;
    }
    pooled.idleTimer = setTimeout(() => {
      const at = idle.indexOf(pooled);
      if (at >= 0) idle.splice(at, 1);
      pooled.connection.quit();
    }, IDLE_MS);
    pooled.idleTimer.unref();
    idle.push(pooled);
  };
  const take = (): Pooled | null => {
    for (let pooled = idle.pop(); pooled; pooled = idle.pop()) {
      if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
      if (!pooled.dead && !pooled.socket.destroyed) return pooled;
    }
    return null;
  };
  // A new session: our socket (so an abort can end it), the greeting, EHLO, STARTTLS when offered, AUTH when the URL
  // has credentials.
  const open = (deadline: AbortSignal) =>
    new Promise<Pooled>((resolvePooled, reject) => {
      const socket = connect({ host, port, timeout: connectMs });
      const onAbort = () => socket.destroy();
      deadline.addEventListener('abort', onAbort, { once: true });
      const settle = (error: Error | null, pooled?: Pooled) => {
        deadline.removeEventListener('abort', onAbort);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolvePooled(pooled as Pooled);
      };
      const onSocketError = (error: Error) => settle(error);
      socket.once('error', onSocketError);
      socket.once('timeout', () => socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })));
      socket.once('connect', () => {
        // From here the session reports errors; the socket keeps a listener so none is ever unhandled.
        socket.off('error', onSocketError);
        socket.on('error', () => {});
        socket.setTimeout(0);
        const connection = new SMTPConnection({ ...options, connection: socket } as SMTPConnection.Options);
        const pooled: Pooled = { connection, socket, messages: 0, dead: false, idleTimer: null };
        let opened = false;
        // Errors arrive both as events and through callbacks: the events only mark the connection dead.
        connection.on('error', (error) => {
          pooled.dead = true;
          if (!opened) settle(error);
        });
        connection.on('end', () => {
          drop(pooled);
          if (!opened) settle(Object.assign(new Error('Connection closed during the greeting'), { code: 'ECONNECTION' }));
        });
        connection.connect(() => {
          if (!server.auth) {
            opened = true;
            return settle(null, pooled);
          }
          connection.login(server.auth as SMTPConnection.Credentials, (error) => {
            opened = true;
            settle(error ?? null, pooled);
          });
        });
      });
    });

  const deliver = (pooled: Pooled, envelope: SMTPConnection.Envelope, raw: Buffer, deadline: AbortSignal) =>
    new Promise<void>((resolveSent, reject) => {
      let done = false;
      const finish = (error: Error | null) => {
        if (done) return;
        done = true;
        deadline.removeEventListener('abort', onAbort);
        pooled.connection.off('error', onError);
        pooled.connection.off('end', onEnd);
        pooled.messages++;
        if (error) reject(error);
        else resolveSent();
      };
      const onAbort = () => pooled.socket.destroy();
      // nodemailer's send does not always answer when the session dies under it (an abort, the server going away).
      const onError = (error: Error) => finish(error);
      const onEnd = () => finish(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
      deadline.addEventListener('abort', onAbort, { once: true });
      pooled.connection.once('error', onError);
      pooled.connection.once('end', onEnd);
      pooled.connection.send(envelope, raw, (error) => finish(error));
    });

  return {
    description: `SMTP ${host}:${port}`,
    send: async (message, sendOptions = {}) => {
      const deadline = AbortSignal.any([AbortSignal.timeout(config.smtpTimeoutMs), ...(sendOptions.signal ? [sendOptions.signal] : [])]);
      try {
        deadline.throwIfAborted();
        const composed = new MailComposer({ ...message, from: message.from ?? config.mailFrom }).compile();
        const envelope = composed.getEnvelope() as SMTPConnection.Envelope;
        const messageId = composed.messageId();
        const raw = await composed.build();
        const kept = take();
        if (kept) {
          try {
            await deliver(kept, envelope, raw, deadline);
            keep(kept);
            return { messageId, devMailboxFile: null };
          } catch (error) {
            drop(kept);
            // Closed by the server while kept (nothing of this message was accepted): once more on a new session.
            if (deadline.aborted || !isClosedConnection(error)) throw error;
          }
        }
        const pooled = await open(deadline);
        try {
          await deliver(pooled, envelope, raw, deadline);
        } catch (error) {
          drop(pooled);
          throw error;
        }
        keep(pooled);
        return { messageId, devMailboxFile: null };
      } catch (error) {
        // Say why the session was cut, not "socket closed".
        if (deadline.aborted) throw new Error(`SMTP send aborted: ${abortReason(deadline, config.smtpTimeoutMs)}`, { cause: error });
        throw error;
      }
    },
    close: () => {
      closed = true;
      for (const pooled of idle.splice(0)) {
        if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
        pooled.connection.quit();
      }
    },
  };
}

interface Pooled {
  connection: SMTPConnection;
  socket: Socket;
  messages: number;
  dead: boolean;
  idleTimer: NodeJS.Timeout | null;
}

/** As many as a process sends at once (4 email workers × 25): a burst keeps its connections, the peak stays the same. */
const MAX_IDLE_CONNECTIONS = 100;
const IDLE_MS = 5_000;
const MESSAGES_PER_CONNECTION = 100;

/** A session that ended before or as the message was offered (the server closed a kept connection). */
function isClosedConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNECTION' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ESOCKET';
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
