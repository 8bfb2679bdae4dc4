import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ProjectRegistry } from '../../src/projects/registry.js';
import type { ProjectChange } from '../../src/projects/types.js';

/** A real pino logger whose JSON lines are collected for assertions. */
export function captureLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

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
