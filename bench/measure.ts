/**
 * Small measuring tools for the benchmarks: percentiles, timing a list of calls, and a description of the
 * machine (CPU, cores, memory, load) so that every number in BENCHMARKS.md says where it was taken.
 */
import os from 'node:os';

export interface Latency {
  p50: number;
  p95: number;
  mean: number;
  n: number;
}

/** Nearest-rank percentile of already measured values (milliseconds). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function latency(samples: readonly number[]): Latency {
  return {
    p50: round(percentile(samples, 50), 3),
    p95: round(percentile(samples, 95), 3),
    mean: round(samples.reduce((s, x) => s + x, 0) / Math.max(1, samples.length), 3),
    n: samples.length,
  };
}

/** Runs `fn` on every input after `warmup` unmeasured calls; returns per-call milliseconds. */
export async function timeEach<T>(inputs: readonly T[], fn: (input: T) => unknown, warmup: number = 10): Promise<number[]> {
  for (const input of inputs.slice(0, warmup)) await fn(input);
  const samples: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    await fn(input);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** 1-minute load average: on a shared machine it says how much the numbers were disturbed. */
export function load(): number {
  return round(os.loadavg()[0] ?? 0, 2);
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
