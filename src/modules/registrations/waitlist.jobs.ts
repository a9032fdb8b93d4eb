import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';
import { expireOffers } from './waitlist.ts';

/**
 * Every minute (pg-boss cron, one worker across all processes): offers past their time go back and their seats to
 * the next in line. A claim checks the time itself, so an offer is never claimed late, whatever this job's delay.
 */
export const expireOffersJob = defineJob({
  name: 'waitlist.expire-offers',
  payload: z.object({}).passthrough(),
  cron: '* * * * *',
  handler: async (deps) => {
    const expired = await expireOffers(deps);
    if (expired > 0) deps.logger.info({ expired }, 'waitlist offers expired');
  },
});

export const waitlistJobs = [expireOffersJob];
