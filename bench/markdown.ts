import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatNumber, markdownTable, type RunResult } from './report.js';

/**
 * Prints a result JSON as the Markdown kept in BENCHMARKS.md:
 * `npx tsx bench/markdown.ts [bench/results/latest.json]`.
 */
export function resultMarkdown(result: RunResult): string {
  const m = result.machine;
  const notes = result.figures.flatMap((f) => f.notes.map((n) => `- ${f.label}: ${n}`));
  const rounds = result.figures.map(
    (f) => `| ${f.label.replace(/\|/g, '\\|')} | ${f.rounds.map(formatNumber).join(', ')} | ${f.baselineRounds.map(formatNumber).join(', ')} |`,
  );
  return [
    `Run of ${result.startedAt} (${result.sizes.name}, ${result.sizes.rounds} rounds, ${result.seconds.toFixed(0)} s): ` +
      `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}, git ${m.git}, ` +
      `1-minute load average ${m.loadAverage.start.toFixed(2)} at the start, ${m.loadAverage.end.toFixed(2)} at the end.`,
    '',
    markdownTable(result.figures),
    '',
    ...(notes.length ? ['Notes of this run:', '', ...notes, ''] : []),
    ...(result.failures.length ? ['Suites that failed:', '', ...result.failures.map((f) => `- ${f.suite}: ${f.error}`), ''] : []),
    ...(result.missing.length ? [`Missing figures: ${result.missing.join(', ')}`, ''] : []),
    '<details><summary>Every round (server; baseline)</summary>',
    '',
    '| figure | server rounds | baseline rounds |',
    '|---|---|---|',
    ...rounds,
    '',
    '</details>',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
  process.stdout.write(`${resultMarkdown(JSON.parse(fs.readFileSync(file, 'utf8')) as RunResult)}\n`);
}
