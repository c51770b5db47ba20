/**
 * The Logger on top of pino, writing JSON lines to stderr (stdout belongs to answers: `ask --json` prints
 * exactly one object there). Anything that looks like a credential is redacted by key, wherever it sits;
 * a secret inside a value (a key echoed in an error message) is scrubbed before it gets here, by
 * src/core/redact-secrets.ts.
 */
import pino from 'pino';
import type { Logger } from '../core/logger.ts';

const REDACT = ['token', 'apiKey', 'api_key', 'authorization', 'password', 'secret'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger({ level = 'info', destination = 2 }: { level?: string; destination?: number } = {}): Logger {
  return wrap(pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: null }, pino.destination({ fd: destination, sync: true })));
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (fields, message) => p.debug(fields, message),
    info: (fields, message) => p.info(fields, message),
    warn: (fields, message) => p.warn(fields, message),
    error: (fields, message) => p.error(fields, message),
    child: (bindings) => wrap(p.child(bindings)),
  };
}
