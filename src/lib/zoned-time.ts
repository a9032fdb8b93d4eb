import { LRUCache } from 'lru-cache';

/**
 * `date` as ISO 8601 local time in `timeZone` with that zone's offset at that instant: "2027-06-01T10:00:00+01:00".
 * What a form shows an attendee is the event's own wall-clock time; the offset keeps the instant exact. (The seed's
 * REST fields keep their fixed "YYYY-MM-DD HH:MM:SS" UTC form; this is for the rest.)
 */
export function zonedIsoTime(date: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(date)) parts[part.type] = part.value;
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((name) => Number(parts[name]));
  // The local wall-clock time read as if it were UTC, minus the instant (to the second): the zone's offset.
  const offsetMinutes = Math.round((Date.UTC(year!, month! - 1, day!, hour!, minute!, second!) - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(year!, 4)}-${pad(month!)}-${pad(day!)}T${pad(hour!)}:${pad(minute!)}:${pad(second!)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * One formatter per zone (building one costs ~50 µs). Bounded: zones are validated IANA names, a few hundred, but
 * accepted in any letter case, so the names an organisation can make up are not.
 */
const formatters = new LRUCache<string, Intl.DateTimeFormat>({ max: 256 });

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, found);
  }
  return found;
}
