// Short, kubectl-style ages ("45s", "12m", "3h", "4d") and friendly expiry texts.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Age of a timestamp as kubectl prints it; "" for a missing or unparsable one. */
export function formatAge(timestamp: string | undefined, now: Date = new Date()): string {
  if (!timestamp) return '';
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return '';
  const ms = Math.max(0, now.getTime() - then);
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h`;
  return `${Math.floor(ms / DAY)}d`;
}

/** Whole days until a timestamp (negative once it passed); undefined when unparsable. */
export function daysUntil(timestamp: string, now: Date = new Date()): number | undefined {
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return undefined;
  return Math.floor((then - now.getTime()) / DAY);
}

/** "in 20 days", "tomorrow", "today", "expired 3 days ago". */
export function describeExpiry(timestamp: string, now: Date = new Date()): string {
  const days = daysUntil(timestamp, now);
  if (days === undefined) return 'unknown';
  if (Date.parse(timestamp) <= now.getTime()) {
    const ago = -days - 1;
    return ago <= 0 ? 'expired today' : `expired ${ago} day${ago === 1 ? '' : 's'} ago`;
  }
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}
