/**
 * Whether a process still runs, for the lock files that name their holder's pid (the index build's lock, the
 * data folder's lock): a lock whose holder is gone is taken over instead of blocking forever.
 */

/** Signal 0 probes without sending; EPERM: it runs, as another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
