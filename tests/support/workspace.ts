/**
 * A throw-away paperbot workspace for end-to-end tests: a temp folder with a copy of the shipped corpus, a
 * data folder, the project's tiny test model, and two ways to run the real terminal commands in it with a
 * clean environment (nothing of the developer's .env or shell leaks in): `run` in this process, as the
 * script would run them (same argv, the environment through parseConfig, in-memory stdin/stdout/stderr, the
 * exit code from runCommand), and `runProcess`/`start` as a real `tsx` process for the smoke tests.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { Logger } from '../../src/core/logger.ts';
import { runCommand, type Command } from '../../src/cli/run-main.ts';
import { makeModel } from '../../src/dev/test-model.ts';
import { startScript, type ScriptProcess } from './script-process.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIPPED_CORPUS = path.join(PROJECT_ROOT, 'corpus', 'seed-papers.jsonl');

/** The commands `run` runs in process, each what `scripts/<name>.ts` passes to runMain (loaded when first run). */
const COMMANDS = {
  index: async () => (await import('../../src/cli/index-command.ts')).indexCommand,
  import: async () => (await import('../../src/cli/import-command.ts')).importCommand,
  fetch: async () => (await import('../../src/cli/fetch-command.ts')).fetchCommand,
  ask: async () => (await import('../../src/cli/ask-command.ts')).askCommand,
  chat: async () => (await import('../../src/cli/chat-command.ts')).chatCommand,
  eval: async () => (await import('../../src/cli/eval-command.ts')).evalCommand,
  'deploy-commands': async () => (await import('../../src/discord/deploy-commands.ts')).deployCommandsCommand,
  'migrate-to-postgres': async () => (await import('../../src/cli/migrate-command.ts')).migrateCommand,
} satisfies Record<string, () => Promise<Command>>;

export type CommandName = keyof typeof COMMANDS;

/** A script as a process: `scripts/<name>.ts`, or `main` for `npm start` (src/main.ts). */
export type ScriptName = CommandName | 'main';

export interface Workspace {
  dir: string;
  corpusDir: string;
  dataDir: string;
  /** The generated test model (absent when created with `model: false`). */
  modelDir: string | undefined;
  /** Environment for the commands: only paperbot's variables, plus PATH/HOME. */
  env: Record<string, string>;
  /** The command in this process, as `npm run <name> -- ...args` runs it. */
  run(command: CommandName, args?: string[], options?: RunOptions): Promise<RunResult>;
  /** The script as a real process, to its exit (killed, and failing, after `timeoutMs`). */
  runProcess(script: ScriptName, args?: string[], options?: RunOptions & { timeoutMs?: number }): Promise<RunResult>;
  /** The script as a real process, left running. */
  start(script: ScriptName, args?: string[], options?: RunOptions): ScriptProcess;
  cleanup(): Promise<void>;
}

export interface RunOptions {
  /** Added to (or overriding) the workspace's environment. */
  env?: Record<string, string>;
  /** The whole of stdin (not a terminal), closed after. */
  stdin?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function makeWorkspace({ model = true }: { model?: boolean } = {}): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-e2e-'));
  const corpusDir = path.join(dir, 'corpus');
  const dataDir = path.join(dir, 'data');
  await mkdir(corpusDir, { recursive: true });
  await copyFile(SHIPPED_CORPUS, path.join(corpusDir, 'seed-papers.jsonl'));
  const modelDir = model ? await makeModel(path.join(dir, 'test-model')) : undefined;
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    CORPUS_DIR: corpusDir,
    DATA_DIR: dataDir,
    EMBEDDING_ALLOW_REMOTE: 'false',
    ...(modelDir === undefined ? {} : { EMBEDDING_MODEL_DIR: modelDir }),
  };
  const script = (name: ScriptName) => (name === 'main' ? 'src/main.ts' : `scripts/${name}.ts`);
  const start = (name: ScriptName, args: string[] = [], options: RunOptions = {}) =>
    startScript(script(name), args, { cwd: dir, env: { ...env, ...options.env }, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });

  return {
    dir,
    corpusDir,
    dataDir,
    modelDir,
    env,
    async run(name, args = [], options = {}) {
      const stdout = textSink();
      const stderr = textSink();
      const stdin = new PassThrough();
      stdin.end(options.stdin ?? '');
      const code = await runCommand(await COMMANDS[name](), {
        argv: args,
        stdout: stdout.stream,
        stderr: stderr.stream,
        stdin,
        readConfig: () => parseConfig({ ...env, ...options.env }, dir),
        // As the terminal commands log: JSON lines on stderr, `warn` unless LOG_LEVEL says otherwise.
        makeLogger: (config) => lineLogger(stderr.stream, config.logLevel ?? 'warn'),
      });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    async runProcess(name, args = [], { timeoutMs = 60_000, ...options } = {}) {
      const running = start(name, args, options);
      const { code } = await running.waitForExit(timeoutMs);
      return { code, stdout: running.stdout(), stderr: running.stderr() };
    },
    start,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A fresh workspace for the tests of one describe block: made before them, removed after them. */
export function useWorkspace(options: { model?: boolean } = {}): () => Workspace {
  let ws: Workspace | undefined;
  beforeAll(async () => {
    ws = await makeWorkspace(options);
  });
  afterAll(async () => ws?.cleanup());
  return () => {
    if (ws === undefined) throw new Error('the workspace is made in beforeAll: use it inside a test');
    return ws;
  };
}

function textSink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

function lineLogger(stream: Writable, level: string, bindings: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[level] ?? LEVELS['warn'] ?? 40;
  const at =
    (value: number) =>
    (fields: Record<string, unknown>, msg: string): void => {
      if (value >= threshold) stream.write(`${JSON.stringify({ level: value, ...bindings, ...fields, msg })}\n`);
    };
  return { debug: at(20), info: at(30), warn: at(40), error: at(50), child: (more) => lineLogger(stream, level, { ...bindings, ...more }) };
}
