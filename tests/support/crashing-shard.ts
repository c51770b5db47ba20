/**
 * A stand-in for src/shard-main.ts in tests of the shard supervisor: its first life tells the ShardingManager
 * it is ready (discord.js's IPC message) and dies 200 ms later; every later life dies at once, before it is
 * ready, as a shard does that crashes at start-up after a restart. Lives are counted in a file named for the
 * supervising process, in the system's temp folder.
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The test names the same file from its own pid (importing this script would run it).
const file = path.join(os.tmpdir(), `paperbot-crashing-shard-${process.ppid}`);
if (existsSync(file)) {
  process.exit(3);
} else {
  writeFileSync(file, 'started once\n');
  process.send?.({ _ready: true });
  setTimeout(() => process.exit(3), 200);
}
