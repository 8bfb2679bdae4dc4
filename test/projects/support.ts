import fs from 'node:fs';
import path from 'node:path';
export { captureLogger } from '../helpers/log.js';
import type { ProjectRegistry } from '../../src/projects/registry.js';
import type { ProjectChange } from '../../src/projects/types.js';

export function writeJson(dir: string, name: string, value: object | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** Resolves with the first change matching `match`, or rejects after `timeoutMs`. */
export function nextChange(
  registry: ProjectRegistry,
  match: (c: ProjectChange) => boolean,
  timeoutMs = 8000,
): Promise<ProjectChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching project change within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = registry.onChange((c) => {
      if (!match(c)) return;
      clearTimeout(timer);
      off();
      resolve(c);
    });
  });
}
