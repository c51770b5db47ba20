/**
 * When a digest is due, as pure functions of a subscription and an injected `now`: validating the local time
 * and IANA time zone a user typed, the local date of an instant, the next run (croner, DST-correct), and the
 * catch-up rule that makes "exactly once per channel per local day" hold across restarts and downtime.
 *
 * Time zones are validated with `Intl`, not croner: croner only fails later, at `nextRun()` (platform-notes).
 * In the DST gap (a 02:30 digest on the spring-forward day) croner runs at the first valid minute after it
 * (03:00); in the overlap (01:30 on the fall-back day) at the first of the two. `scheduledAt` uses croner
 * too, so what is due and when the job fires never disagree.
 */
import { Cron } from 'croner';
import { UserError } from '../errors.ts';

export interface DigestSchedule {
  /** Local time of day, `HH:MM` (as returned by `parseDigestTime`). */
  time: string;
  /** IANA time zone (as returned by `parseTimeZone`). */
  timeZone: string;
  /**
   * When the subscription took effect: its creation, or the last change of its time or zone. A digest is
   * never due for a scheduled time before this (see `dueDigest`).
   */
  activeSince: Date;
}

export interface DigestTime {
  hour: number;
  minute: number;
  /** Normalized `HH:MM`. */
  text: string;
}

/**
 * Parses the time of day a user typed: `HH:MM` on the 24-hour clock, 00:00–23:59. A one-digit hour (`9:05`)
 * is accepted and normalized; the minutes always need two digits (`9:5` is refused: 9:05 or 9:50?).
 * Throws a UserError (`E_DIGEST_TIME`) that names the problem.
 */
export function parseDigestTime(input: string): DigestTime {
  const text = input.trim();
  const match = /^(\d{1,2}):(\d{1,2})$/.exec(text);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new UserError('E_DIGEST_TIME', `"${input}" is not a time of day: use HH:MM on the 24-hour clock, e.g. 09:00 or 18:30.`);
  }
  if (match[2].length !== 2) {
    throw new UserError('E_DIGEST_TIME', `"${input}" is not a time of day: write the minutes with two digits (HH:MM), e.g. 09:05.`);
  }
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (hour > 23) throw new UserError('E_DIGEST_TIME', `"${input}" is not a time of day: the hour must be between 00 and 23 (HH:MM, 24-hour clock).`);
  if (minute > 59) throw new UserError('E_DIGEST_TIME', `"${input}" is not a time of day: the minutes must be between 00 and 59.`);
  return { hour, minute, text: `${pad(hour)}:${pad(minute)}` };
}

// The shape of an IANA name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"): newer
// Node versions also accept offsets such as "+02:00" in Intl, which are not time zones (no DST rules).
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * Validates an IANA time zone name with `Intl` and returns it with its usual capitalization
 * (`europe/berlin` → `Europe/Berlin`); other accepted aliases (`US/Eastern`) are kept as typed. Throws a
 * UserError (`E_DIGEST_TIMEZONE`) that names the problem and, when it can, suggests the zone meant.
 */
export function parseTimeZone(input: string): string {
  const name = input.trim();
  let resolved: string | undefined;
  if (IANA_NAME.test(name)) {
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  if (resolved === undefined) {
    const suggestion = suggestTimeZone(name);
    const hint = suggestion === null ? 'use a name such as Europe/Berlin, America/New_York or UTC' : `did you mean ${suggestion}?`;
    throw new UserError('E_DIGEST_TIMEZONE', `"${input}" is not an IANA time zone: ${hint}`);
  }
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

/** The zone a user probably meant: a city alone ("berlin") or a small typo ("Europe/Berln"). */
function suggestTimeZone(name: string): string | null {
  const wanted = name.toLowerCase().replace(/\s+/g, '_');
  if (wanted === '') return null;
  const zones = Intl.supportedValuesOf('timeZone');
  const byCity = zones.find((z) => z.toLowerCase().split('/').pop() === wanted);
  if (byCity !== undefined) return byCity;
  let best: string | null = null;
  let bestDistance = 3;
  for (const zone of zones) {
    const d = editDistance(wanted, zone.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = zone;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[b.length] ?? limit, limit);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function zonedParts(instant: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  let format = dateFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    dateFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: (parts.hour ?? 0) % 24, minute: parts.minute ?? 0 };
}

/** The calendar date of `instant` in `timeZone`, `YYYY-MM-DD`: the idempotency key of a day's digest. */
export function localDate(instant: Date, timeZone: string): string {
  const { year, month, day } = zonedParts(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

/** `YYYY-MM-DD HH:MM` of `instant` in `timeZone`, for `/digest status` (e.g. once local, once in `UTC`). */
export function formatInZone(instant: Date, timeZone: string): string {
  const { hour, minute } = zonedParts(instant, timeZone);
  return `${localDate(instant, timeZone)} ${pad(hour)}:${pad(minute)}`;
}

function dailyJob(schedule: Pick<DigestSchedule, 'time' | 'timeZone'>): Cron {
  const { hour, minute } = parseDigestTime(schedule.time);
  // No callback: a paused pattern evaluator that never starts a timer.
  return new Cron(`${minute} ${hour} * * *`, { timezone: parseTimeZone(schedule.timeZone), paused: true });
}

/** The first scheduled run strictly after `now`: the subscription's next local `HH:MM` in its zone. */
export function nextRun(schedule: Pick<DigestSchedule, 'time' | 'timeZone'>, now: Date): Date {
  const next = dailyJob(schedule).nextRun(now);
  // A daily pattern always has a next run; null would mean croner's year limit (9999).
  if (next === null) throw new Error(`no next run for ${schedule.time} ${schedule.timeZone} after ${now.toISOString()}`);
  return next;
}

/** The instant the digest of local date `date` (`YYYY-MM-DD`) is scheduled for, or null if that day has none. */
export function scheduledAt(schedule: Pick<DigestSchedule, 'time' | 'timeZone'>, date: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) throw new Error(`not a local date (YYYY-MM-DD): ${date}`);
  // 15 h before UTC midnight is before local midnight in every zone (offsets span −12 h … +14 h).
  const before = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) - 15 * 3_600_000);
  const job = dailyJob(schedule);
  for (const run of job.nextRuns(3, before)) {
    const day = localDate(run, schedule.timeZone);
    if (day === date) return run;
    if (day > date) break;
  }
  return null;
}

/**
 * The local date whose digest should be posted now, or null. This is the whole catch-up rule:
 *
 * - only today's digest (local date of `now` in the subscription's zone) is ever due. After downtime the
 *   missed days are not posted one by one: if today's time has passed and today was not posted, today's
 *   digest is posted once (it carries everything added meanwhile as "new"); a bot back before today's time
 *   waits for it;
 * - never twice for one local date: `lastPostedLocalDate` (the latest date recorded for this subscription,
 *   or null) equal to or later than today means nothing is due;
 * - a subscription whose `activeSince` is after today's scheduled time waits until tomorrow, so subscribing
 *   at 10:00 for 09:00 posts tomorrow at 09:00, not the moment the command is sent (`/digest preview` shows
 *   what it will look like).
 *
 * Call it when the croner job fires and once at start (that is the catch-up). The caller records the post
 * under (subscription, returned date) before or atomically with sending, so a crash cannot post it twice.
 */
export function dueDigest(schedule: DigestSchedule, lastPostedLocalDate: string | null, now: Date): string | null {
  const today = localDate(now, schedule.timeZone);
  if (lastPostedLocalDate !== null && lastPostedLocalDate >= today) return null;
  const at = scheduledAt(schedule, today);
  if (at === null || now.getTime() < at.getTime()) return null;
  if (schedule.activeSince.getTime() > at.getTime()) return null;
  return today;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
