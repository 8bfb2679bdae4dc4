import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { maskUrl } from '../logger.js';

/**
 * Proxy variables git (libcurl) reads, passed through when set so that a server behind an
 * outgoing proxy can reach its git hosts. Nothing else of the server's environment reaches git.
 */
export const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'] as const;

/**
 * Environment for every git process: never prompt, never read the user's (~/.gitconfig,
 * $XDG_CONFIG_HOME/git/config) or the system config. HOME stays, for ssh's known_hosts.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
  };
  for (const name of PROXY_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return { ...env, ...extra };
}

/** A failed git process. Message, arguments and stderr are masked: a URL's user info never leaves here. */
export class GitError extends Error {
  readonly args: string[];
  readonly stderr: string;

  constructor(
    message: string,
    args: string[],
    stderr: string,
    readonly exitCode: number | null,
  ) {
    super(maskUrl(message));
    this.name = 'GitError';
    this.args = args.map(maskUrl);
    this.stderr = maskUrl(stderr);
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
          reject(new GitError(`git ${subcommand(args)} failed: ${first}`, args, String(stderr), code));
        } else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The git subcommand of an argument vector: the first argument after any `-c name=value` pairs. */
function subcommand(args: string[]): string {
  let i = 0;
  while (args[i] === '-c') i += 2;
  return args[i] ?? 'git';
}

/** Starts git with its stdout as a stream (archives, cat-file). */
export function spawnGit(gitDir: string, args: string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('git', ['--git-dir', gitDir, ...args], { env: gitEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}
