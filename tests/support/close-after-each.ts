/** What a test opens (a database, a pool), closed after each test, so no test leaks connections into the next. */
import { afterEach } from 'vitest';

/** Registers the afterEach; returns `track`, which records what to close and passes it through. */
export function closeAfterEach<T extends { close(): unknown }>(): (item: T) => T {
  const open: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((item) => item.close()));
  });
  return (item) => {
    open.push(item);
    return item;
  };
}
