/** redactError: the copy of an error that may be kept as a cause and logged. */
import { describe, expect, it } from 'vitest';
import { redactError } from './redact-secrets.ts';

const KEY = 'sk-test-SECRET-1234567890abcdef';

describe('redactError', () => {
  it('keeps an Error an Error, with name, code and causes, minus the secrets', () => {
    const root = Object.assign(new Error(`connect ECONNREFUSED (key ${KEY})`), { code: 'ECONNREFUSED' });
    const error = new TypeError(`Incorrect API key provided: ${KEY}`, { cause: root });

    const copy = redactError(error, [KEY]);

    expect(copy).toBeInstanceOf(Error);
    expect(copy).toMatchObject({ name: 'TypeError', message: 'Incorrect API key provided: [redacted]' });
    expect((copy as Error).stack).not.toContain(KEY);
    expect((copy as Error).cause).toMatchObject({ message: 'connect ECONNREFUSED (key [redacted])', code: 'ECONNREFUSED' });
  });

  it('scrubs a thrown string and drops anything else', () => {
    expect(redactError(`bad key ${KEY}`, [KEY])).toBe('bad key [redacted]');
    expect(redactError({ key: KEY }, [KEY])).toBeUndefined();
  });
});
