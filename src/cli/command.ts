import type { Readable, Writable } from 'node:stream';

/** What a command may touch: no direct process globals, so commands stay testable. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  /** Results meant for scripts. */
  stdout: Writable;
  /** Messages for people: progress, errors, prompts. */
  stderr: Writable;
}

/** One `npm run cli -- <name> ...` command. Add a file under ./commands and list it in ./commands/index.ts. */
export interface CliCommand {
  name: string;
  /** Arguments after the name, e.g. "<username>". */
  usage: string;
  summary: string;
  /** Longer help: environment variables read, examples. */
  details?: string;
  /** Resolves to the exit code (0 ok, 1 failure); throw UsageError for bad arguments (exit 2). */
  run(args: string[], io: CliIo): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
