/**
 * Real processes, for the few smoke tests that need one (`npm start`, a killed build, the bot): a project
 * script run with tsx's loader in a process group of its own, with its output collected, and waits that time out
 * saying what they waited for and showing the log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * tsx as a loader inside the script's own process (`node --import tsx`, as `npm start` runs), not the tsx CLI:
 * the CLI relays signals to a child and kills it when the child does not acknowledge a signal within ~60 ms,
 * which on a loaded machine turned a graceful SIGTERM into exit 143.
 */
const TSX_LOADER = import.meta.resolve('tsx');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ScriptProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** Resolves once `text` has appeared on stderr (where notices and logs go). */
  waitForStderr(text: string | RegExp, timeoutMs: number): Promise<void>;
  /** The exit, or after `timeoutMs` the whole group killed and an error with the log. */
  waitForExit(timeoutMs: number): Promise<Exit>;
  /**
   * SIGKILL to the whole process group (the script and anything it started, such as embedding workers),
   * resolved once every process of it is gone.
   */
  killGroup(): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  /** Written to stdin, which is then closed. */
  stdin?: string;
}

/** Runs `script` (a path below the project, e.g. `src/main.ts`) with tsx, as `npm start` would. */
export function startScript(script: string, args: readonly string[], { cwd, env, stdin = '' }: StartOptions): ScriptProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(PROJECT_ROOT, script), ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin?.end(stdin);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const log = () => `stderr:\n${stderr.slice(-3000)}\nstdout:\n${stdout.slice(-1000)}`;
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    if (child.pid === undefined) return false;
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch (error) {
      // ESRCH: no process of the group is left.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      return false;
    }
  };
  const killGroup = async () => {
    signalGroup('SIGKILL');
    await waitUntil(() => !signalGroup(0), `every process of ${script} to be gone`, { timeoutMs: 10_000, log });
  };
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr: (text, timeoutMs) => waitUntil(() => (typeof text === 'string' ? stderr.includes(text) : text.test(stderr)), `${String(text)} on stderr of ${script}`, { timeoutMs, log }),
    async waitForExit(timeoutMs) {
      try {
        await waitUntil(() => done, `${script} to exit`, { timeoutMs, log });
      } catch (error) {
        await killGroup();
        throw error;
      }
      return exited;
    },
    killGroup,
  };
}

/** Polls `condition` until it holds; after `timeoutMs`, fails naming `what` with the end of `log`. */
export async function waitUntil(condition: () => boolean, what: string, { timeoutMs, log = () => '' }: { timeoutMs: number; log?: () => string }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A JSON log line of the bot's stderr (pino), with its message. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** The JSON log lines of `stderr`, skipping anything else a process printed there. */
export function logLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** What a person reads on stderr: its non-empty lines other than the JSON log lines. */
export function saidOnStderr(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
}
