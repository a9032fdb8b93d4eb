/**
 * A user's search text as the literal inside a LIKE/ILIKE pattern: `%` and `_` match themselves, not "anything"
 * (PostgreSQL's default escape character is the backslash, so it is escaped too). Prisma's `contains` does not do
 * this itself.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
