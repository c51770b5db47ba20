/**
 * Vitest setup file (see vitest.config.ts): one unhandled-rejection collector per test file. A test during
 * which a promise rejection went unhandled fails, naming the rejection; one that happened between tests
 * (in a hook) fails the next test, and one after the last test fails the file. With this listener present,
 * vitest stays silent about these rejections (it assumes user code handles them), so this must report all.
 */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { afterPendingRejections, RejectionCollector } from './unhandled-rejections.ts';

const collector = new RejectionCollector();
process.on('unhandledRejection', collector.record);

beforeEach(async ({ task }) => {
  // What the hooks before this test left unhandled is reported now, so it is not blamed on the test.
  await afterPendingRejections();
  collector.enter(task.fullTestName ?? task.name);
});

// Registered first, so it runs after the test file's own afterEach hooks and sees their rejections too.
afterEach(async ({ task }) => {
  await afterPendingRejections();
  collector.enter(null);
  collector.assertNone(`by the end of "${task.fullTestName ?? task.name}"`);
});

afterAll(async () => {
  await afterPendingRejections();
  // From here on (worker teardown) vitest's own listener reports what is left.
  process.off('unhandledRejection', collector.record);
  collector.assertNone('after the last test of this file (in an afterAll hook)');
});
