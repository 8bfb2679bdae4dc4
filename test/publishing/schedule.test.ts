import { describe, expect, it } from 'vitest';
import { jittered, nextDelayAfter, pollDecision, retryDelayMs } from '../../src/publishing/schedule.js';
import type { ProjectState } from '../../src/releases/types.js';

const timing = { intervalMs: 300_000, retryBaseMs: 15_000 };
const state = (over: Partial<ProjectState>): ProjectState => ({
  slug: 'p',
  status: 'ready',
  releases: null,
  error: null,
  lastAttemptAt: 1_000_000,
  lastSuccessAt: 1_000_000,
  failures: 0,
  ...over,
});

describe('poll schedule', () => {
  it('jitters by ±10 %', () => {
    expect(jittered(300_000, () => 0)).toBe(270_000);
    expect(jittered(300_000, () => 0.5)).toBe(300_000);
    expect(jittered(300_000, () => 1)).toBe(330_000);
  });

  it('backs off 15 s, 30 s, 60 s … up to the interval', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((f) => retryDelayMs(f, timing))).toEqual([
      15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('caps the backoff at retryMaxMs when given (polling off: interval 0)', () => {
    const off = { intervalMs: 0, retryBaseMs: 15_000, retryMaxMs: 300_000 };
    expect([1, 2, 5, 6, 50].map((f) => retryDelayMs(f, off))).toEqual([15_000, 30_000, 240_000, 300_000, 300_000]);
    expect(pollDecision(state({ error: 'down', failures: 2 }), 1_000_000 + 10_000, off)).toEqual({ action: 'wait', ms: 20_000 });
  });

  it('refreshes a project never read, or read more than half an interval ago', () => {
    expect(pollDecision(undefined, 5, timing)).toEqual({ action: 'refresh' });
    expect(pollDecision(state({ lastAttemptAt: null }), 5, timing)).toEqual({ action: 'refresh' });
    expect(pollDecision(state({}), 1_000_000 + 150_000, timing)).toEqual({ action: 'refresh' });
  });

  it('skips a project refreshed within the last half interval until its next turn', () => {
    expect(pollDecision(state({}), 1_000_000 + 60_000, timing, () => 0.5)).toEqual({ action: 'wait', ms: 240_000 });
    expect(pollDecision(state({}), 1_000_000 + 149_999, timing, () => 0)).toEqual({ action: 'wait', ms: 120_001 });
  });

  it('retries a failing project once its backoff has passed since the last attempt', () => {
    const failing = state({ error: 'host down', failures: 3 });
    expect(pollDecision(failing, 1_000_000 + 10_000, timing)).toEqual({ action: 'wait', ms: 50_000 });
    expect(pollDecision(failing, 1_000_000 + 60_000, timing)).toEqual({ action: 'refresh' });
  });

  it('plans the next turn after a refresh: the interval when healthy, the backoff when failing', () => {
    expect(nextDelayAfter(state({}), timing, () => 1)).toBe(330_000);
    expect(nextDelayAfter(state({ error: 'x', failures: 2 }), timing)).toBe(30_000);
  });
});
