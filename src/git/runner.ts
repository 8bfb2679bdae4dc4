import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { maskUrl } from '../logger.js';

/** Environment for every git process: never prompt, never read the user's or system config. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    ...extra,
  };
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(maskUrl(message));
    this.name = 'GitError';
  }
}

export interface RunOptions {
  /** Run inside this directory (-C); otherwise `gitDir` must be given. */
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  maxBuffer?: number;
  input?: string;
}

/**
 * Runs git with a fixed argument vector (no shell). Callers put user-derived values only
 * after validation (src/git/refs.ts) and behind `--end-of-options` / `--` where git allows.
 */
export function runGit(gitDir: string | undefined, args: string[], options: RunOptions = {}): Promise<string> {
  const full = gitDir ? ['--git-dir', gitDir, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      full,
      {
        cwd: options.cwd,
        env: gitEnv(options.env),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
          const first = String(stderr).trim().split('\n').slice(-3).join(' ') || err.message;
          reject(new GitError(`git ${args[0]} failed: ${first}`, args, maskUrl(String(stderr)), code));
        } else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Starts git with its stdout as a stream (archives, cat-file). */
export function spawnGit(gitDir: string, args: string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('git', ['--git-dir', gitDir, ...args], { env: gitEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}
