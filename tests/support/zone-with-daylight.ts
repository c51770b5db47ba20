/** For tests of the digest in real bot processes on the real clock: a time zone where a 00:30 digest is due today. */

/** A zone where it is between 01:00 and 23:00 now, so a 00:30 digest is due today and the date holds for the test. */
export function zoneWithDaylight(now: Date): string {
  for (const zone of ['UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata']) {
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(now));
    if (hour >= 1 && hour <= 22) return zone;
  }
  throw new Error('no zone found');
}
