import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeTarget, type Figure } from './figures.js';
import type { BenchSizes } from './sizes.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  git: string;
  platform: string;
  /** 1-minute load average at the start and the end: a busy machine makes every figure noisier. */
  loadAverage: { start: number; end: number };
}

export interface RunResult {
  startedAt: string;
  seconds: number;
  sizes: BenchSizes;
  machine: Machine;
  figures: Figure[];
  /** Suites that threw, with the message. */
  failures: { suite: string; error: string }[];
  /** Expected figures that are missing or not finite. */
  missing: string[];
}

export function describeMachine(loadStart: number): Machine {
  let gitVersion = 'unknown';
  try {
    gitVersion = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim().replace(/^git version /, '');
  } catch {
    /* reported as unknown */
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    git: gitVersion,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: { start: loadStart, end: os.loadavg()[0]! },
  };
}

/** Numbers with about three significant digits; NaN shown as "missing". */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return 'missing';
  const abs = Math.abs(n);
  if (abs >= 1000) return n.toFixed(0);
  if (abs >= 100) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

function verdict(f: Figure): string {
  if (f.pass === null) return '-';
  return f.pass ? 'pass' : 'FAIL';
}

/** Rows of the result table: figure, value, baseline, ratio, target, verdict. */
export function tableRows(figures: Figure[]): string[][] {
  return figures.map((f) => [
    f.label,
    `${formatNumber(f.value)} ${f.unit}`,
    `${formatNumber(f.baseline)} ${f.unit} (${f.baselineLabel})`,
    formatNumber(f.ratio),
    describeTarget(f.target, f.unit),
    verdict(f),
  ]);
}

const HEADER = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];

/** A plain-text table for the terminal. */
export function textTable(figures: Figure[]): string {
  const rows = [HEADER, ...tableRows(figures)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, for BENCHMARKS.md. */
export function markdownTable(figures: Figure[]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const rows = tableRows(figures).map((r) => `| ${r.map(escape).join(' | ')} |`);
  return [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`, ...rows].join('\n');
}

export function printReport(result: RunResult, out: NodeJS.WritableStream = process.stdout): void {
  const m = result.machine;
  out.write(
    `\nwp-update-server benchmark (${result.sizes.name}), ${result.startedAt}, ${result.seconds.toFixed(0)} s\n` +
      `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}, git ${m.git}, ` +
      `load average ${m.loadAverage.start.toFixed(2)} → ${m.loadAverage.end.toFixed(2)}\n\n`,
  );
  out.write(`${textTable(result.figures)}\n`);
  const notes = result.figures.flatMap((f) => f.notes.map((n) => `  ${f.id}: ${n}`));
  if (notes.length) out.write(`\nnotes:\n${notes.join('\n')}\n`);
  for (const f of result.failures) out.write(`\nsuite ${f.suite} FAILED: ${f.error}\n`);
  if (result.missing.length) out.write(`\nmissing figures: ${result.missing.join(', ')}\n`);
}

export function writeResult(result: RunResult, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json = JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  fs.writeFileSync(file, `${json}\n`);
}
