import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLog {
  log: Logger;
  /** Every line, parsed. */
  lines: Record<string, unknown>[];
  /** Every line as written (to assert that a secret never reaches the log). */
  text: () => string;
}

/** A real pino logger whose JSON lines are kept for assertions. */
export function captureLogger(level = 'debug'): CapturedLog {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger(level, sink), lines, text: () => raw.join('\n') };
}
