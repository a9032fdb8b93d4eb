import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package) that parses every message it accepts. It can be
 * stopped and started again on the same port to play an outage.
 */
export class SmtpSink {
  readonly mails: ParsedMail[] = [];
  /** Messages whose DATA has started arriving (counted before the delay below). */
  receiving = 0;
  /** How long the server takes to accept a message once its DATA has arrived (a slow relay). */
  acceptDelayMs = 0;
  /** Recipients refused at RCPT TO with this reply code (550: no such mailbox; 450: mailbox busy, try later). */
  readonly refuse = new Map<string, number>();
  /** RCPT TO commands refused so far, per address. */
  readonly refused = new Map<string, number>();
  /**
   * The next message to this address is answered only after this many ms (a relay stalling mid-DATA), once. A message
   * whose client hung up before the answer is not delivered (nothing was acknowledged), and is counted in `dropped`.
   */
  readonly stallOnce = new Map<string, number>();
  /** Messages whose client hung up before the server acknowledged them. */
  dropped = 0;
  /** SMTP sessions opened so far. */
  connections = 0;
  readonly #closed = new Set<string>();
  port = 0;
  #server: SMTPServer | null = null;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        const code = this.refuse.get(address.address);
        if (code === undefined) return callback();
        this.refused.set(address.address, (this.refused.get(address.address) ?? 0) + 1);
        const error = Object.assign(new Error(code >= 500 ? 'No such mailbox here' : 'Mailbox busy, try again later'), { responseCode: code });
        callback(error);
      },
      onData: (stream, session, callback) => {
        this.receiving++;
        simpleParser(stream, { skipImageLinks: true })
          .then(async (mail) => {
            if (this.acceptDelayMs) await new Promise((r) => setTimeout(r, this.acceptDelayMs));
            const stalled = session.envelope.rcptTo.map((r) => r.address).find((address) => this.stallOnce.has(address));
            if (stalled) {
              const ms = this.stallOnce.get(stalled)!;
              this.stallOnce.delete(stalled);
              await new Promise((r) => setTimeout(r, ms));
            }
            if (this.#closed.has(session.id)) {
              this.dropped++;
              return;
            }
            this.mails.push(mail);
            callback();
          })
          .catch(callback);
      },
      onClose: (session) => {
        this.#closed.add(session.id);
      },
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.port = ((this.#server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
    return this;
  }

  to(address: string): ParsedMail[] {
    return this.mails.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.value.some((v) => v.address === address)));
  }

  async waitFor(address: string, count = 1, timeoutMs = 10_000): Promise<ParsedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length < count) {
      if (Date.now() > deadline) throw new Error(`SMTP sink: ${count} mail(s) to ${address} not received within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.to(address);
  }

  /** The one-time token (egv_, egr_, egi_) in the newest mail to `address` of that kind, waiting for it. */
  async token(address: string, prefix: 'egv_' | 'egr_' | 'egi_', count = 1): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const tokens = this.to(address).flatMap((m) => [...(m.text ?? '').matchAll(new RegExp(`\\b${prefix}[A-Za-z0-9_-]{40,}`, 'g'))].map((x) => x[0]));
      if (tokens.length >= count) return tokens.at(-1)!;
      if (Date.now() > deadline) throw new Error(`SMTP sink: no ${prefix} token for ${address}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    this.#server = null;
  }
}
