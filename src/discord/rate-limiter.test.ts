import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

function limiter(questions = 3, windowMs = 60_000) {
  const clock = { t: 1_000_000 };
  return { clock, limiter: new RateLimiter({ questions, windowMs }, () => clock.t) };
}

describe('RateLimiter', () => {
  it('allows N questions in a window and refuses the next, saying when to retry', () => {
    const { clock, limiter: l } = limiter(3);
    expect([l.take('u'), l.take('u'), l.take('u')].every((d) => d.allowed)).toBe(true);
    clock.t += 10_000;
    expect(l.take('u', { visible: true })).toEqual({ allowed: false, retryAfterMs: 50_000, firstRefusal: true });
  });

  it('counts each user separately', () => {
    const { limiter: l } = limiter(1);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('b').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
  });

  it('slides: a question leaves the window after windowMs', () => {
    const { clock, limiter: l } = limiter(2, 1000);
    l.take('u');
    clock.t += 600;
    l.take('u');
    clock.t += 300;
    expect(l.take('u').allowed).toBe(false);
    clock.t += 101;
    expect(l.take('u').allowed).toBe(true);
    expect(l.take('u').allowed).toBe(false);
  });

  it('refused questions do not count, and only the first visible refusal in a window is marked first', () => {
    const { clock, limiter: l } = limiter(1, 1000);
    l.take('u');
    expect(l.take('u')).toMatchObject({ allowed: false, firstRefusal: true });
    expect(l.take('u', { visible: true })).toMatchObject({ allowed: false, firstRefusal: true });
    expect(l.take('u', { visible: true })).toMatchObject({ allowed: false, firstRefusal: false });
    expect(l.take('u')).toMatchObject({ allowed: false, firstRefusal: true });
    clock.t += 1001;
    expect(l.take('u').allowed).toBe(true);
  });

  it('forgets idle users', () => {
    const { clock, limiter: l } = limiter(1, 1000);
    for (let i = 0; i < 50; i++) l.take(`user${i}`);
    clock.t += 5000;
    l.take('someone');
    expect(l.size).toBe(1);
  });
});
