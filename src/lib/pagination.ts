/**
 * A connection's totalCount counts rows only where no counter keeps the number (searches, delivery and email
 * logs), and stops at this many: an exact count of a million-row log would cost more than the page itself.
 * The fields that can stop say so in their description.
 */
export const COUNT_CAP = 10_000;
