/**
 * A throw-away paperbot workspace for end-to-end tests: a temp folder with a copy of the shipped corpus, a
 * data folder, the project's tiny test model, and a way to run the real terminal commands (`tsx scripts/…`)
 * in it with a clean environment (nothing of the developer's .env or shell leaks in).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeModel } from '../../src/dev/test-model.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIPPED_CORPUS = path.join(PROJECT_ROOT, 'corpus', 'seed-papers.jsonl');
const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** A terminal command of the project: `scripts/<name>.ts`, or `main` for `npm start` (src/main.ts). */
export type ScriptName = 'index' | 'ask' | 'chat' | 'eval' | 'deploy-commands' | 'main';

export interface Workspace {
  dir: string;
  corpusDir: string;
  dataDir: string;
  /** The generated test model (absent when created with `model: false`). */
  modelDir: string | undefined;
  /** Environment for the commands: only paperbot's variables, plus PATH/HOME. */
  env: Record<string, string>;
  run(script: ScriptName, args?: string[], options?: RunOptions): Promise<RunResult>;
  spawn(script: ScriptName, args?: string[], options?: RunOptions): ChildProcess;
  cleanup(): Promise<void>;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  /** spawn only: start in a new process group (kill it whole with `process.kill(-pid)`). */
  detached?: boolean;
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
  const script = (name: ScriptName) => path.join(PROJECT_ROOT, name === 'main' ? 'src/main.ts' : `scripts/${name}.ts`);
  const childEnv = (options: RunOptions) => ({ ...env, ...options.env });

  return {
    dir,
    corpusDir,
    dataDir,
    modelDir,
    env,
    run(name, args = [], options = {}) {
      return new Promise((resolve) => {
        const child = execFile(process.execPath, [TSX_CLI, script(name), ...args], { cwd: dir, env: childEnv(options), timeout: options.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ code, stdout, stderr });
        });
        child.stdin?.end(options.stdin ?? '');
      });
    },
    spawn(name, args = [], options = {}) {
      return spawn(process.execPath, [TSX_CLI, script(name), ...args], { cwd: dir, env: childEnv(options), stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
