import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../stats.js';

/** The repository root (bench/proc/ is two levels below it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A free TCP port on loopback (asked from the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildOptions {
  /** Script run with `node --import tsx`, relative to the repository root. */
  script: string;
  args?: string[];
  env: Record<string, string>;
  /** Extra node flags (for example --cpu-prof). */
  nodeFlags?: string[];
  /** 'pipe': lines are kept and handed to onLine; a path: stdout goes to that file. */
  stdout?: 'pipe' | 'ignore' | string;
  onLine?: (line: string) => void;
}

/** Every child still running, so an interrupted run leaves no process behind. */
const alive = new Set<Child>();

// If the benchmark itself dies, its servers must not outlive it.
process.once('exit', () => {
  for (const child of alive) child.process.kill('SIGKILL');
});

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...alive].map((c) => c.stop(2000)));
}

/** A process of the benchmark (server, baseline or fake sites), with its output kept for error messages. */
export class Child {
  readonly process: ChildProcess;
  private readonly tail: string[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(options: ChildOptions) {
    const stdoutFd =
      options.stdout === undefined || options.stdout === 'pipe' ? 'pipe' : options.stdout === 'ignore' ? 'ignore' : fs.openSync(options.stdout, 'a');
    // Only what the child needs: the bench's own environment minus anything the server reads.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...options.env };
    this.process = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', options.script, ...(options.args ?? [])], {
      cwd: ROOT,
      env,
      stdio: ['ignore', stdoutFd, 'pipe'],
    });
    if (typeof stdoutFd === 'number') fs.closeSync(stdoutFd);
    const keep = (text: string, forward: boolean) => {
      for (const line of text.split('\n')) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        if (forward) options.onLine?.(line);
      }
    };
    let pending = '';
    this.process.stdout?.on('data', (chunk: Buffer) => {
      // Whole lines only: a JSON log line may arrive in two chunks.
      const text = pending + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      pending = cut < 0 ? text : text.slice(cut + 1);
      if (cut >= 0) keep(text.slice(0, cut), true);
    });
    this.process.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8'), false));
    alive.add(this);
    this.exited = new Promise((resolve) => {
      const end = (code: number | null) => {
        this.exitCode = code;
        alive.delete(this);
        resolve(code);
      };
      this.process.once('exit', end);
      this.process.once('error', () => end(null));
    });
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error('child process did not start');
    return this.process.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines the child wrote (stdout when piped, and stderr). */
  output(): string {
    return this.tail.join('\n');
  }

  /** Polls `url` until it answers 200, or fails with the child's output. */
  async waitForUrl(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`process exited (${this.exitCode}) before ${url} answered:\n${this.output()}`);
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(50);
    }
    throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** SIGTERM (a graceful stop writes CPU profiles), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts one of bench/children/* on a free port and waits until `healthPath` answers 200. */
export async function startHelper(script: string, env: Record<string, string>, healthPath: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = new Child({ script, env: { ...env, PORT: String(port) }, stdout: 'pipe' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await child.waitForUrl(`${url}${healthPath}`);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, url };
}
