import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summary of a `node --cpu-prof` profile: self time by function and by module (a package under
 * node_modules, a file of src/, node internals). Run by `npm run bench -- --cpu-prof` for every
 * profiled server, or directly: `npx tsx bench/profile.ts <file.cpuprofile> [top]`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileLine[];
  modules: ProfileLine[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return path.relative(ROOT, file);
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const totalHits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${moduleOf(url, functionName)}:${lineNumber + 1}` : '';
    const fn = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    const mod = moduleOf(url, functionName);
    byModule.set(mod, (byModule.get(mod) ?? 0) + hits);
  }
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, ms: (hits / totalHits) * totalMs, percent: (hits / totalHits) * 100 }));
  return { totalMs, functions: lines(byFunction), modules: lines(byModule) };
}

export function formatSummary(file: string, s: ProfileSummary): string {
  const fmt = (l: ProfileLine) => `  ${l.percent.toFixed(1).padStart(5)}%  ${l.ms.toFixed(0).padStart(7)} ms  ${l.name}`;
  return [
    `profile ${file} (${(s.totalMs / 1000).toFixed(1)} s)`,
    ' self time by module:',
    ...s.modules.slice(0, 12).map(fmt),
    ' self time by function:',
    ...s.functions.map(fmt),
  ].join('\n');
}

export function summariseFile(file: string, top = 25): string {
  return formatSummary(file, summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summariseFile(file, Number(top ?? 25))}\n`);
}
