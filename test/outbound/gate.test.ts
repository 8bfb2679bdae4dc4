import { describe, expect, it } from 'vitest';
import { gateKeys, KeyedLimiter, SiteGate } from '../../src/outbound/gate.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A task that runs until released, recording when it started. */
function held(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: async () => (log.push(name), await done, name), release: () => release() };
}

describe('KeyedLimiter', () => {
  it('limits each key on its own, in arrival order, and forgets a key once idle', async () => {
    const limiter = new KeyedLimiter(1);
    const log: string[] = [];
    const [a1, a2, b1] = [held(log, 'a1'), held(log, 'a2'), held(log, 'b1')];
    const runs = [limiter.run('a', a1.task), limiter.run('a', a2.task), limiter.run('b', b1.task)];
    await tick();
    expect(log).toEqual(['a1', 'b1']);
    expect(limiter.size).toBe(2);
    a1.release();
    await tick();
    expect(log).toEqual(['a1', 'b1', 'a2']);
    b1.release();
    a2.release();
    expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'b1']);
    expect(limiter.size).toBe(0);
  });

  it('a failing task frees its slot, rejects with its error, and leaves nothing behind', async () => {
    const limiter = new KeyedLimiter(1);
    await expect(limiter.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run('k', async () => 'next')).toBe('next');
    expect(limiter.size).toBe(0);
  });
});

describe('SiteGate', () => {
  it('keys a site by host, port and path, and a host by name alone', () => {
    expect(gateKeys('https://Shop.Example/blog/')).toEqual({ site: 'shop.example/blog', host: 'shop.example' });
    expect(gateKeys('http://shop.example')).toEqual({ site: 'shop.example', host: 'shop.example' });
    expect(gateKeys('http://shop.example:8080/a')).toEqual({ site: 'shop.example:8080/a', host: 'shop.example' });
    expect(gateKeys('not a url')).toEqual({ site: 'not a url', host: 'not a url' });
  });

  it('one call per site, two per host', async () => {
    const gate = new SiteGate();
    const log: string[] = [];
    const calls = ['https://h.example/a', 'https://h.example/a', 'https://h.example/b', 'https://h.example/c', 'https://other.example'].map((url, i) => ({
      url,
      ...held(log, String(i)),
    }));
    const runs = calls.map((c) => gate.run(c.url, c.task));
    await tick();
    // 0 (site a), 2 (site b) on h.example; 1 waits for site a, 3 for the host; 4 is elsewhere.
    expect(log).toEqual(['0', '2', '4']);
    // 0 ends: its host slot goes to 3, which was already waiting for the host; 1 now waits for it.
    calls[0]!.release();
    await tick();
    expect(log).toEqual(['0', '2', '4', '3']);
    calls[2]!.release();
    await tick();
    expect(log).toEqual(['0', '2', '4', '3', '1']);
    for (const c of calls) c.release();
    await Promise.all(runs);
    expect(gate.held()).toEqual({ sites: 0, hosts: 0 });
  });
});
