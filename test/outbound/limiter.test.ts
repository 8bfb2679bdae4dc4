import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/outbound/limiter.js';

describe('createLimiter', () => {
  it('never runs more than max tasks at once and starts them in order', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const results = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running -= 1;
        return i * 2;
      }),
    );
    await Promise.resolve();
    expect(limiter.active).toBe(3);
    expect(limiter.waiting).toBe(7);
    // Release tasks one by one; each release lets exactly one waiting task start.
    while (started.length < 10 || gates.length) {
      const gate = gates.shift();
      if (gate) gate();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(await Promise.all(results)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(limiter.active).toBe(0);
  });

  it('gives the slot back when a task throws or rejects', async () => {
    const limiter = createLimiter(1);
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limiter.run(async () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(await limiter.run(async () => 'ok')).toBe('ok');
    expect(limiter.active).toBe(0);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
