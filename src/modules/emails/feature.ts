import type { Feature } from '../../lib/feature.ts';
import { emailsCleanup } from './emails.cleanup.ts';
import { confirmationEmailJob } from './emails.jobs.ts';
import { createMailTransport, type MailTransport } from './emails.transport.ts';
import { emailsPersonalData } from './personal-data.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** SMTP, or the dev mailbox under DATA_DIR. */
    mailer: MailTransport;
  }
}

/** Confirmation emails and their log. */
export const feature: Feature = {
  name: 'emails',
  graphql: () => import('./emails.graphql.ts'),
  jobs: [confirmationEmailJob],
  cleanup: emailsCleanup,
  personalData: emailsPersonalData,
  services: (deps, { lifecycle }) => {
    deps.mailer = createMailTransport(deps.config);
    lifecycle.onStop('services', 'mailer', () => deps.mailer.close());
  },
};
