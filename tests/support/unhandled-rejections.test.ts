/**
 * The unhandled-rejection collector that vitest.config.ts installs for every test file: a child vitest run
 * with the project's config over a fixture proves that the test during which a rejection went unhandled
 * fails, naming the rejection, while the test after it passes; and a rejection in a hook fails the next test.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeReason, RejectionCollector } from './unhandled-rejections.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface JsonReport {
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

/** Runs the fixture in a child vitest with the project's config; vitest's JSON report of it. */
async function runFixture(): Promise<{ report: JsonReport; exitCode: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-rejections-'));
  const outputFile = path.join(dir, 'report.json');
  // Without the parent's VITEST_* variables the child is a run of its own, not a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  const args = ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/support/fixtures/rejection-fixture.config.ts', '--reporter=json', `--outputFile=${outputFile}`];
  let exitCode = 0;
  try {
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, env, timeout: 60_000 });
  } catch (error) {
    exitCode = (error as { code?: number }).code ?? -1;
  }
  try {
    return { report: JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport, exitCode };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('unhandled promise rejections', () => {
  it('fail the test during which they happened, naming them; the next test passes', async () => {
    const { report, exitCode } = await runFixture();
    expect(exitCode).toBe(1);
    const results = new Map(report.testResults.flatMap((file) => file.assertionResults).map((r) => [r.title, r]));

    const leaver = results.get('leaves a rejection nobody handles');
    expect(leaver?.status).toBe('failed');
    expect(leaver?.failureMessages.join('\n')).toMatch(/1 unhandled promise rejection by the end of "a test that leaves a rejection > leaves a rejection nobody handles"/);
    expect(leaver?.failureMessages.join('\n')).toMatch(/during "a test that leaves a rejection > leaves a rejection nobody handles": Error: rejected on purpose during a test\n\s+at /);
    expect(results.get('passes when it leaves nothing unhandled')?.status).toBe('passed');

    const afterHook = results.get('is the next test to end');
    expect(afterHook?.status).toBe('failed');
    expect(afterHook?.failureMessages.join('\n')).toMatch(/between tests: Error: rejected on purpose in a beforeAll hook/);
    expect(report.numFailedTests).toBe(2);
  }, 60_000);

  it('are each told with where they happened, and forgotten once reported', () => {
    const collector = new RejectionCollector();
    collector.record('before any test');
    collector.enter('a test');
    collector.record(new TypeError('boom'));
    expect(() => collector.assertNone('by now')).toThrow(/^2 unhandled promise rejections by now:\n- between tests: before any test\n- during "a test": TypeError: boom\n/);
    expect(() => collector.assertNone('by now')).not.toThrow();
  });

  it('describe reasons that are not errors, even cyclic ones', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeReason({ code: 42 })).toBe('{"code":42}');
    expect(describeReason(undefined)).toBe('undefined');
    expect(describeReason(cyclic)).toMatch(/^\[object Object\] \(not serializable: TypeError: Converting circular structure/);
  });
});
