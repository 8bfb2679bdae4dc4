import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger.js';
import { ProjectRegistry } from '../../src/projects/registry.js';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';

export { captureLogger } from '../helpers/log.js';

/** A developer's plugin repository with a bare "remote" it pushes to. */
export class PluginRemote {
  readonly dev: TestRepo;
  readonly bare: string;

  constructor(readonly slug: string, firstVersion = '1.0.0') {
    this.dev = new TestRepo();
    this.dev.write(`${slug}.php`, pluginHeader(slug, firstVersion)).write('readme.md', `# ${slug}\n\nA plugin.\n`);
    this.dev.commit(`release ${firstVersion}`);
    this.dev.tag(`v${firstVersion}`);
    this.bare = this.dev.bareClone();
    this.dev.git('remote', 'add', 'origin', this.bare);
  }

  get fileUrl(): string {
    return `file://${this.bare}`;
  }

  /** Commits a new Version header, tags it and pushes branch and tag to the bare remote. */
  release(version: string, branch = 'main'): string {
    this.dev.write(`${this.slug}.php`, pluginHeader(this.slug, version));
    const commit = this.dev.commit(`release ${version}`);
    this.dev.tag(`v${version}`);
    this.dev.git('push', '-q', 'origin', branch, `v${version}`);
    return commit;
  }
}

/** A real ProjectRegistry over a temp projectSettings folder. */
export async function registryWith(
  settings: Record<string, object>,
  log: Logger,
  env: NodeJS.ProcessEnv = {},
): Promise<{ registry: ProjectRegistry; dir: string; write: (slug: string, s: object) => void }> {
  const dir = tempDir('settings-');
  const write = (slug: string, s: object) => fs.writeFileSync(path.join(dir, `${slug}.json`), JSON.stringify(s, null, 2));
  for (const [slug, s] of Object.entries(settings)) write(slug, s);
  const registry = new ProjectRegistry({ dir, log, env, fsWatch: false });
  await registry.load();
  return { registry, dir, write };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Latest version the ReleaseService serves on a branch. */
export function latestOf(releases: { releases(slug: string): { branches: Map<string, { latest: { version: string } | null }> } | undefined }, slug: string, branch = 'main'): string | undefined {
  return releases.releases(slug)?.branches.get(branch)?.latest?.version;
}
