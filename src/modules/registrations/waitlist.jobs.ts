import { z } from 'zod';
import { poolSql } from '../../db/sql.ts';
import { defineJob } from '../../jobs/job.ts';
import { eventsWithCodesExpiredSince } from './waitlist.sql.ts';
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
    // Seats an access code held are released when it expires: those in line get them within the minute. The window
    // overlaps the previous run's, and a fill with nothing free changes nothing.
    const now = deps.clock.now();
    for (const eventId of await eventsWithCodesExpiredSince(poolSql(deps), new Date(now.getTime() - 2 * 60_000), now)) {
      await deps.waitlist.fillEvent(eventId);
    }
  },
});

export const waitlistJobs = [expireOffersJob];
