import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { DEMO_SLUG, demoFiles } from './files.js';

const exec = promisify(execFile);

/**
 * Creates the demo plugin's git repository (two tagged releases on main, a beta tag on a
 * pre-release branch) where projectSettings/hello-updates.json points, if it is not there yet.
 * Works offline: everything is written locally with git.
 */
export async function seedDemo(config: Config, log: Logger): Promise<void> {
  const settingsFile = path.join(config.projectSettingsDir, `${DEMO_SLUG}.json`);
  const text = await fs.readFile(settingsFile, 'utf8').catch(() => null);
  if (text === null) return;
  let repository: unknown;
  try {
    repository = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')).repository;
  } catch {
    return; // the registry reports the broken file
  }
  if (typeof repository !== 'string' || /^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || repository.startsWith('-')) return;
  const dir = path.resolve(repository);
  if (await fs.stat(dir).catch(() => null)) return;

  log.info({ dir }, 'creating the demo repository');
  await fs.mkdir(dir, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Demo',
    GIT_AUTHOR_EMAIL: 'demo@example.org',
    GIT_COMMITTER_NAME: 'Demo',
    GIT_COMMITTER_EMAIL: 'demo@example.org',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const git = (...args: string[]) => exec('git', args, { cwd: dir, env });
  const release = async (version: string, changelog: string[], tag: string) => {
    for (const [file, content] of Object.entries(demoFiles(version, changelog))) {
      await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fs.writeFile(path.join(dir, file), content);
    }
    await git('add', '-A');
    await git('commit', '-q', '-m', `Release ${version}`);
    await git('tag', tag);
  };
  try {
    await git('init', '-q', '-b', 'main');
    await release('1.0.0', ['= 1.0.0 =\n* First release.'], 'v1.0.0');
    await release('1.1.0', ['= 1.1.0 =\n* Shows the version in the notice.', '= 1.0.0 =\n* First release.'], 'v1.1.0');
    await git('checkout', '-q', '-b', 'beta');
    await release('1.2.0-beta.1', ['= 1.2.0-beta.1 =\n* Beta of the next release.', '= 1.1.0 =\n* Shows the version in the notice.'], 'v1.2.0-beta.1');
    await git('checkout', '-q', 'main');
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not create the demo repository');
  }
}
