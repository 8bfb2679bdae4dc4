import { describe, expect, it } from 'vitest';
import { cpuTicks, readMemory, RssSampler } from '../../bench/proc/procfs.js';
import { summarise } from '../../bench/profile.js';

describe('process sampling from /proc', () => {
  it('reads the RSS and peak of a process', () => {
    const m = readMemory(process.pid);
    expect(m.rssMB).toBeGreaterThan(10);
    expect(m.hwmMB).toBeGreaterThanOrEqual(m.rssMB - 1);
  });

  it('sees RSS grow while memory is touched', async () => {
    const sampler = new RssSampler(process.pid, 5);
    const block = Buffer.alloc(96 * 1024 * 1024, 1); // filled: the pages are resident
    await new Promise((r) => setTimeout(r, 30));
    const result = sampler.stop();
    expect(block[block.length - 1]).toBe(1);
    expect(result.growthMB).toBeGreaterThan(64);
    expect(result.peakMB).toBeGreaterThanOrEqual(result.startMB + result.growthMB - 0.01);
  });

  it('counts CPU ticks that grow with work', () => {
    const before = cpuTicks(process.pid);
    const end = Date.now() + 120;
    let x = 0;
    while (Date.now() < end) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuTicks(process.pid)).toBeGreaterThan(before);
  });
});

describe('CPU profile summary', () => {
  it('sums self time by function and by module', () => {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
    const s = summarise({
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), hitCount: 0 },
        { id: 2, callFrame: frame('serialize', 'file:///x/node_modules/php-serialize/lib/serialize.js', 9), hitCount: 6 },
        { id: 3, callFrame: frame('(idle)', ''), hitCount: 3 },
        { id: 4, callFrame: frame('dispatch', 'file:///x/node_modules/@koa/router/lib/router.js', 99), hitCount: 1 },
      ],
    });
    expect(s.functions[0]).toEqual({ name: 'serialize php-serialize:10', ms: 600, percent: 60 });
    expect(s.modules.map((m) => m.name)).toEqual(['php-serialize', '(idle)', '@koa/router']);
    expect(s.modules[2]!.percent).toBe(10);
  });
});
