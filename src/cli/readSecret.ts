import { Writable } from 'node:stream';
import readline from 'node:readline';
import type { CliIo } from './command.js';

/**
 * Reads a secret from stdin: the first line when piped; on a terminal, after a prompt on
 * stderr, without echoing what is typed. Never from argv, where `ps` and shell history see it.
 */
export async function readSecretLine(io: CliIo, prompt: string): Promise<string> {
  const interactive = Boolean(io.stdin.isTTY);
  if (interactive) io.stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const rl = readline.createInterface({ input: io.stdin, output: interactive ? muted : undefined, terminal: interactive });
  try {
    const line = await new Promise<string>((resolve) => {
      let done = false;
      rl.once('line', (l) => {
        done = true;
        resolve(l);
      });
      rl.once('close', () => {
        if (!done) resolve('');
      });
    });
    if (interactive) io.stderr.write('\n');
    return line.replace(/\r$/, '');
  } finally {
    rl.close();
  }
}
