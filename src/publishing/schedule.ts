import type { ProjectState } from '../releases/types.js';

/** Timing rules of the poller, kept pure so they can be checked exactly. */
export interface PollTiming {
  /** Time between two reads of a healthy project; 0 when polling is off. */
  intervalMs: number;
  /** First retry delay after a failure; doubles per consecutive failure, capped at retryMaxMs. */
  retryBaseMs: number;
  /** Longest retry delay; default the interval. */
  retryMaxMs?: number;
}

/** Longest retry delay when polling is off (POLL_INTERVAL_SECONDS=0): failed refreshes are still retried. */
export const RETRY_MAX_WITHOUT_POLLING_MS = 300_000;

/** ±10 % around `ms`, so that projects (and servers) do not all poll in the same second. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.9 + 0.2 * random()));
}

/** 15 s, 30 s, 60 s, … up to the interval (retryMaxMs). */
export function retryDelayMs(failures: number, timing: PollTiming): number {
  const exp = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(timing.retryBaseMs * 2 ** exp, timing.retryMaxMs ?? timing.intervalMs);
}

export type PollDecision = { action: 'refresh' } | { action: 'wait'; ms: number };

/**
 * Whether a project is due when its timer fires: never read → now; failing → once its backoff
 * has passed since the last attempt; healthy → unless it was refreshed (by a webhook, a settings
 * change, the CLI…) within the last half interval, in which case it waits for its next turn.
 */
export function pollDecision(state: ProjectState | undefined, now: number, timing: PollTiming, random: () => number = Math.random): PollDecision {
  if (!state || state.lastAttemptAt === null) return { action: 'refresh' };
  const since = now - state.lastAttemptAt;
  if (state.error !== null && state.failures > 0) {
    const wait = retryDelayMs(state.failures, timing) - since;
    return wait > 0 ? { action: 'wait', ms: wait } : { action: 'refresh' };
  }
  if (since < timing.intervalMs / 2) return { action: 'wait', ms: Math.max(jittered(timing.intervalMs, random) - since, 1) };
  return { action: 'refresh' };
}

/** Delay before the next turn after a refresh finished. */
export function nextDelayAfter(state: ProjectState, timing: PollTiming, random: () => number = Math.random): number {
  return state.error !== null ? retryDelayMs(state.failures, timing) : jittered(timing.intervalMs, random);
}
