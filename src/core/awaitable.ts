/**
 * What a port method returns when one backend answers at once and another over the network: SQLite's
 * driver is synchronous, PostgreSQL's is not. Callers always `await` it; an adapter returns what it has.
 */
export type Awaitable<T> = T | Promise<T>;
