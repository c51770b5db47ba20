// Starts one embedding worker thread (embed-worker.ts). Node 20 does not carry the parent's tsx loader into
// worker threads, so the thread registers tsx itself, then imports the TypeScript module: the same way under
// `tsx` (npm start, npm run index), vitest and plain node.
import { register } from 'tsx/esm/api';

register();
await import('./embed-worker.ts');
