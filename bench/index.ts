import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeContext, type Suite } from './context.js';
import { missingFigures, type Figure } from './figures.js';
import { summariseFile } from './profile.js';
import { ROOT, stopAllChildren } from './proc/child.js';
import { describeMachine, printReport, writeResult, type RunResult } from './report.js';
import { FULL, QUICK, type BenchSizes } from './sizes.js';
import { apiSuite } from './suites/api.js';
import { downloadsSuite } from './suites/downloads.js';
import { fanoutSuite } from './suites/fanout.js';
import { memorySuite } from './suites/memory.js';
import { scaleSuite } from './suites/scale.js';
import { zipBuildSuite } from './suites/zipBuild.js';

const SUITES: Suite[] = [apiSuite, downloadsSuite, zipBuildSuite, memorySuite, scaleSuite, fanoutSuite];

const USAGE = `npm run bench [-- options]
  --quick          small sizes, 1 round: checks that every figure is produced (CI), not speed
  --only=a,b       run only these suites (${SUITES.map((s) => s.name).join(', ')})
  --rounds=N       measured rounds per figure (default 3; quick 1)
  --cpu-prof       profile the measured servers (node --cpu-prof) and print their top frames
  --out=FILE       result JSON (default bench/results/latest.json; quick: bench/results/quick.json)
  --keep           keep the temp folder (repositories, server folders, logs)
  --strict         also exit 1 when a target is missed
Exit status: 0 when every figure was produced, 1 when one is missing (or, with --strict, misses its target).`;

interface Args {
  sizes: BenchSizes;
  suites: Suite[];
  cpuProf: boolean;
  out: string;
  keep: boolean;
  strict: boolean;
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const known = ['quick', 'only', 'rounds', 'cpu-prof', 'out', 'keep', 'strict', 'help'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  if (flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = flags.has('quick');
  const sizes = { ...(quick ? QUICK : FULL) };
  if (flags.has('rounds')) {
    const rounds = Number(flags.get('rounds'));
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('--rounds must be an integer from 1 to 20');
    sizes.rounds = rounds;
  }
  let suites = SUITES;
  if (flags.has('only')) {
    const names = flags.get('only')!.split(',');
    const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}: use ${SUITES.map((s) => s.name).join(', ')}`);
    suites = SUITES.filter((s) => names.includes(s.name));
  }
  return {
    sizes,
    suites,
    cpuProf: flags.has('cpu-prof'),
    out: path.resolve(flags.get('out') ?? path.join(ROOT, 'bench', 'results', quick ? 'quick.json' : 'latest.json')),
    keep: flags.has('keep'),
    strict: flags.has('strict'),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const loadStart = os.loadavg()[0]!;
  const started = Date.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wpus-bench-'));
  const cpuProfDir = args.cpuProf ? path.join(path.dirname(args.out), 'profiles', new Date(started).toISOString().replace(/[:.]/g, '-')) : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const ctx = makeContext(args.sizes, home, cpuProfDir);
  ctx.progress(`benchmark (${args.sizes.name}): ${args.suites.map((s) => s.name).join(', ')}; temp folder ${home}`);

  const interrupted = () => {
    void stopAllChildren().finally(() => {
      if (!args.keep) fs.rmSync(home, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const figures: Figure[] = [];
  const failures: RunResult['failures'] = [];
  try {
    for (const suite of args.suites) {
      try {
        figures.push(...(await suite.run(ctx)));
      } catch (err) {
        failures.push({ suite: suite.name, error: err instanceof Error ? err.message : String(err) });
        ctx.progress(`suite ${suite.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        await stopAllChildren();
      }
    }
  } finally {
    await stopAllChildren();
    if (!args.keep) fs.rmSync(home, { recursive: true, force: true });
  }

  const result: RunResult = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    sizes: args.sizes,
    machine: describeMachine(loadStart),
    figures,
    failures,
    missing: missingFigures(args.suites.flatMap((s) => s.figureIds), figures),
  };
  printReport(result);
  writeResult(result, args.out);
  process.stdout.write(`\nresult written to ${path.relative(process.cwd(), args.out)}\n`);
  if (cpuProfDir) {
    for (const file of fs.readdirSync(cpuProfDir).filter((f) => f.endsWith('.cpuprofile'))) {
      process.stdout.write(`\n${summariseFile(path.join(cpuProfDir, file))}\n`);
    }
  }

  if (result.missing.length > 0 || failures.length > 0) return 1;
  if (args.strict && figures.some((f) => f.pass === false)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await stopAllChildren();
    process.exit(1);
  },
);
