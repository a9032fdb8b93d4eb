/**
 * A connection's totalCount counts rows only where no counter keeps the number (searches, delivery and email
 * logs), and stops at this many: an exact count of a million-row log would cost more than the page itself.
 * The fields that can stop say so in their description.
 */
export const COUNT_CAP = 10_000;

/**
 * 1234567 as "1,234,567", for text written at start-up (GraphQL descriptions). Not toLocaleString: the first use of
 * a locale pages in ~5 MB of ICU data per process, for a comma.
 */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
