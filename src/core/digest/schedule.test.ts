/**
 * When a digest is due, with injected instants only: what a user typing `/digest subscribe` is told about a
 * bad time or zone, the next run across DST changes in both directions, and the catch-up rule (once per
 * local day, one catch-up after downtime, nothing before the subscription existed).
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { dueDigest, formatInZone, localDate, nextRun, parseDigestTime, parseTimeZone, scheduledAt, type DigestSchedule } from './schedule.ts';

const at = (iso: string) => new Date(iso);

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('parseDigestTime', () => {
  it('accepts HH:MM from 00:00 to 23:59 and normalizes a one-digit hour', () => {
    expect(parseDigestTime('00:00')).toEqual({ hour: 0, minute: 0, text: '00:00' });
    expect(parseDigestTime('23:59')).toEqual({ hour: 23, minute: 59, text: '23:59' });
    expect(parseDigestTime(' 9:05 ').text).toBe('09:05');
  });

  it('refuses 25:00 naming the hour', () => {
    const error = userError(() => parseDigestTime('25:00'));
    expect(error.code).toBe('E_DIGEST_TIME');
    expect(error.message).toMatch(/"25:00".*hour must be between 00 and 23/);
  });

  it('refuses 9:5 asking for two-digit minutes', () => {
    expect(userError(() => parseDigestTime('9:5')).message).toMatch(/"9:5".*minutes with two digits/);
  });

  it('refuses minutes past 59 and things that are not times', () => {
    expect(userError(() => parseDigestTime('12:60')).message).toMatch(/minutes must be between 00 and 59/);
    for (const bad of ['9am', '0900', '09:00:00', '', '-1:00', '09.00']) {
      expect(userError(() => parseDigestTime(bad)).message).toMatch(/HH:MM/);
    }
  });
});

describe('parseTimeZone', () => {
  it('accepts IANA names and fixes their capitalization', () => {
    expect(parseTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(parseTimeZone('america/new_york')).toBe('America/New_York');
    expect(parseTimeZone('utc')).toBe('UTC');
    expect(parseTimeZone(' Asia/Tokyo ')).toBe('Asia/Tokyo');
  });

  it('keeps a valid alias as typed instead of renaming it', () => {
    expect(parseTimeZone('US/Eastern')).toBe('US/Eastern');
  });

  it('refuses an unknown zone, naming it', () => {
    const error = userError(() => parseTimeZone('Mars/Phobos'));
    expect(error.code).toBe('E_DIGEST_TIMEZONE');
    expect(error.message).toMatch(/"Mars\/Phobos" is not an IANA time zone: use a name such as Europe\/Berlin/);
  });

  it('refuses UTC offsets and empty input', () => {
    expect(userError(() => parseTimeZone('+02:00')).message).toMatch(/"\+02:00" is not an IANA time zone/);
    expect(userError(() => parseTimeZone('')).message).toMatch(/is not an IANA time zone/);
  });

  it('suggests the zone meant for a bare city or a typo', () => {
    expect(userError(() => parseTimeZone('Berlin')).message).toMatch(/did you mean Europe\/Berlin\?/);
    expect(userError(() => parseTimeZone('Europe/Berln')).message).toMatch(/did you mean Europe\/Berlin\?/);
  });
});

describe('localDate and formatInZone', () => {
  it('gives the calendar date in the zone, not in UTC', () => {
    const instant = at('2025-03-10T03:30:00Z');
    expect(localDate(instant, 'UTC')).toBe('2025-03-10');
    expect(localDate(instant, 'America/New_York')).toBe('2025-03-09');
    expect(localDate(instant, 'Asia/Tokyo')).toBe('2025-03-10');
    expect(formatInZone(instant, 'America/New_York')).toBe('2025-03-09 23:30');
    expect(formatInZone(at('2025-06-01T22:00:00Z'), 'Europe/Berlin')).toBe('2025-06-02 00:00');
  });
});

describe('nextRun', () => {
  const ny = { time: '09:00', timeZone: 'America/New_York' };
  const berlin = { time: '09:00', timeZone: 'Europe/Berlin' };

  it('keeps 09:00 local in New York across the March change (EST → EDT)', () => {
    // DST starts 2025-03-09 02:00 local.
    expect(nextRun(ny, at('2025-03-08T15:00:00Z')).toISOString()).toBe('2025-03-09T13:00:00.000Z');
    expect(nextRun(ny, at('2025-03-09T13:00:00Z')).toISOString()).toBe('2025-03-10T13:00:00.000Z');
    expect(nextRun(ny, at('2025-03-07T15:00:00Z')).toISOString()).toBe('2025-03-08T14:00:00.000Z');
  });

  it('keeps 09:00 local in New York across the November change (EDT → EST)', () => {
    // DST ends 2025-11-02 02:00 local.
    expect(nextRun(ny, at('2025-11-01T14:00:00Z')).toISOString()).toBe('2025-11-02T14:00:00.000Z');
    expect(nextRun(ny, at('2025-11-02T14:00:00Z')).toISOString()).toBe('2025-11-03T14:00:00.000Z');
    expect(nextRun(ny, at('2025-10-31T14:00:00Z')).toISOString()).toBe('2025-11-01T13:00:00.000Z');
  });

  it('keeps 09:00 local in Berlin across both changes', () => {
    // CET → CEST on 2025-03-30, CEST → CET on 2025-10-26.
    expect(nextRun(berlin, at('2025-03-29T08:00:00Z')).toISOString()).toBe('2025-03-30T07:00:00.000Z');
    expect(nextRun(berlin, at('2025-03-30T07:00:00Z')).toISOString()).toBe('2025-03-31T07:00:00.000Z');
    expect(nextRun(berlin, at('2025-10-25T07:00:00Z')).toISOString()).toBe('2025-10-26T08:00:00.000Z');
    expect(nextRun(berlin, at('2025-10-26T08:00:00Z')).toISOString()).toBe('2025-10-27T08:00:00.000Z');
  });

  it('is strictly after now, and later the same day when the time has not come yet', () => {
    expect(nextRun(berlin, at('2025-06-01T07:00:00Z')).toISOString()).toBe('2025-06-02T07:00:00.000Z');
    expect(nextRun(berlin, at('2025-06-01T06:59:00Z')).toISOString()).toBe('2025-06-01T07:00:00.000Z');
  });

  it('runs a time that does not exist on the spring-forward day at the first minute after the gap', () => {
    const early = { time: '02:30', timeZone: 'America/New_York' };
    const run = nextRun(early, at('2025-03-08T12:00:00Z'));
    expect(formatInZone(run, 'America/New_York')).toBe('2025-03-09 03:00');
    expect(scheduledAt(early, '2025-03-09')?.toISOString()).toBe(run.toISOString());
  });

  it('runs a time that happens twice on the fall-back day only once, at the first', () => {
    const early = { time: '01:30', timeZone: 'America/New_York' };
    const first = nextRun(early, at('2025-11-01T12:00:00Z'));
    expect(first.toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(localDate(nextRun(early, first), 'America/New_York')).toBe('2025-11-03');
  });
});

describe('dueDigest', () => {
  const sub: DigestSchedule = { time: '09:00', timeZone: 'Europe/Berlin', activeSince: at('2025-05-01T12:00:00Z') };

  it('is due at the local time and not a minute before', () => {
    expect(dueDigest(sub, '2025-06-01', at('2025-06-02T06:59:00Z'))).toBeNull();
    expect(dueDigest(sub, '2025-06-01', at('2025-06-02T07:00:00Z'))).toBe('2025-06-02');
  });

  it('after three days of downtime owes one digest, today’s, and then none', () => {
    const back = at('2025-06-05T10:15:00Z');
    expect(dueDigest(sub, '2025-06-01', back)).toBe('2025-06-05');
    // Posted: the same day, nothing more is due, however often it is asked.
    expect(dueDigest(sub, '2025-06-05', back)).toBeNull();
    expect(dueDigest(sub, '2025-06-05', at('2025-06-05T21:59:00Z'))).toBeNull();
    expect(dueDigest(sub, '2025-06-05', at('2025-06-06T07:00:00Z'))).toBe('2025-06-06');
  });

  it('after downtime ending before today’s time, waits for it instead of posting yesterday’s', () => {
    expect(dueDigest(sub, '2025-06-01', at('2025-06-05T05:00:00Z'))).toBeNull();
  });

  it('posts nothing after a restart the same day it already posted', () => {
    expect(dueDigest(sub, '2025-06-02', at('2025-06-02T07:00:01Z'))).toBeNull();
    expect(dueDigest(sub, '2025-06-02', at('2025-06-02T18:00:00Z'))).toBeNull();
  });

  it('never posts for a date before one already posted (clock or zone moved back)', () => {
    expect(dueDigest(sub, '2025-06-03', at('2025-06-02T12:00:00Z'))).toBeNull();
  });

  it('for a subscription created after today’s time, waits until tomorrow', () => {
    const late = { ...sub, activeSince: at('2025-06-02T08:30:00Z') };
    expect(dueDigest(late, null, at('2025-06-02T08:30:00Z'))).toBeNull();
    expect(dueDigest(late, null, at('2025-06-02T20:00:00Z'))).toBeNull();
    expect(dueDigest(late, null, at('2025-06-03T07:00:00Z'))).toBe('2025-06-03');
  });

  it('for a subscription created before today’s time, posts today', () => {
    const early = { ...sub, activeSince: at('2025-06-02T05:00:00Z') };
    expect(dueDigest(early, null, at('2025-06-02T07:00:00Z'))).toBe('2025-06-02');
  });

  it('uses the local date of the subscription’s zone, across the New York DST changes', () => {
    const ny: DigestSchedule = { time: '09:00', timeZone: 'America/New_York', activeSince: at('2025-01-01T00:00:00Z') };
    // 13:30 UTC on the Sunday of the March change is 09:30 EDT: due; an hour earlier it was 08:30 EDT: not yet.
    expect(dueDigest(ny, '2025-03-08', at('2025-03-09T12:30:00Z'))).toBeNull();
    expect(dueDigest(ny, '2025-03-08', at('2025-03-09T13:30:00Z'))).toBe('2025-03-09');
    // 13:30 UTC on the November Sunday is 08:30 EST: not yet; at 14:00 UTC it is 09:00 EST.
    expect(dueDigest(ny, '2025-11-01', at('2025-11-02T13:30:00Z'))).toBeNull();
    expect(dueDigest(ny, '2025-11-01', at('2025-11-02T14:00:00Z'))).toBe('2025-11-02');
    // 03:00 UTC on 3 November is still 2 November in New York, already posted.
    expect(dueDigest(ny, '2025-11-02', at('2025-11-03T03:00:00Z'))).toBeNull();
  });

  it('fires once per day when driven by nextRun over a month that spans a DST change', () => {
    const berlin: DigestSchedule = { time: '07:45', timeZone: 'Europe/Berlin', activeSince: at('2025-03-15T00:00:00Z') };
    let now = at('2025-03-15T00:00:00Z');
    let last: string | null = null;
    const posted: string[] = [];
    for (let i = 0; i < 30; i++) {
      now = nextRun(berlin, now);
      const due = dueDigest(berlin, last, now);
      expect(due).not.toBeNull();
      posted.push(due as string);
      last = due;
      expect(formatInZone(now, 'Europe/Berlin').slice(11)).toBe('07:45');
      // A second check right after posting (a restart) finds nothing due.
      expect(dueDigest(berlin, last, new Date(now.getTime() + 60_000))).toBeNull();
    }
    expect(new Set(posted).size).toBe(30);
    expect(posted[0]).toBe('2025-03-15');
    expect(posted[29]).toBe('2025-04-13');
  });
});
