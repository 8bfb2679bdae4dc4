import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tmp.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI dispatcher in-process with its own environment and captured output. */
export async function cli(argv: string[], env: Record<string, string>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(argv, {
    env,
    stdin,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  });
  return { code, stdout, stderr };
}

/** A server-like folder layout: projectSettings/, data/, archives/ and the env pointing at them. */
export function workspace(): { root: string; settingsDir: string; env: Record<string, string>; write: (slug: string, s: object | string) => string } {
  const root = tempDir('cli-');
  const settingsDir = path.join(root, 'projectSettings');
  fs.mkdirSync(settingsDir);
  const env = {
    PROJECT_SETTINGS_DIR: settingsDir,
    DATA_DIR: path.join(root, 'data'),
    ARCHIVES_DIR: path.join(root, 'archives'),
    DEMO: 'false',
  };
  const write = (slug: string, s: object | string) => {
    const file = path.join(settingsDir, `${slug}.json`);
    fs.writeFileSync(file, typeof s === 'string' ? s : JSON.stringify(s, null, 2));
    return file;
  };
  return { root, settingsDir, env, write };
}
