import autocannon from 'autocannon';
import { cpuTicks } from '../proc/procfs.js';
import { MB } from '../stats.js';

export interface LoadResult {
  /** Successful requests per second over the whole run. */
  rps: number;
  /** Latency percentiles of 2xx answers, ms. */
  p50: number;
  p99: number;
  /** Response bytes per second, MiB/s. */
  mbps: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers: any of them makes the round suspect. */
  failures: number;
  /** CPU time the answering process spent per successful request, µs (NaN without `pid`). */
  cpuUs: number;
  /** CPU time the load generator (this process) spent per successful request, µs. */
  clientCpuUs: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Fixed request rate over all connections; unset: as fast as the server answers. */
  rate?: number;
  /** The answering process: its CPU time per request is reported (robust on a busy machine). */
  pid?: number;
  /** Paths requested in turn by every connection (relative to `url`). */
  requests?: { path: string }[];
}

/** One autocannon run against `url` (GET by default), summarised. 0 seconds sends nothing (a skipped warm-up). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.seconds <= 0) return { rps: 0, p50: 0, p99: 0, mbps: 0, requests: 0, failures: 0, cpuUs: Number.NaN, clientCpuUs: Number.NaN };
  const ticksBefore = options.pid === undefined ? 0 : cpuTicks(options.pid);
  const clientBefore = process.cpuUsage();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests: options.requests,
    overallRate: options.rate,
    timeout: 30,
  });
  const ok = result['2xx'];
  // Clock ticks are 10 ms on Linux.
  const cpuUs = options.pid === undefined ? Number.NaN : ((cpuTicks(options.pid) - ticksBefore) * 10_000) / ok;
  const client = process.cpuUsage(clientBefore);
  const clientCpuUs = (client.user + client.system) / ok;
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mbps: result.throughput.total / result.duration / MB,
    requests: ok,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuUs,
    clientCpuUs,
  };
}

/** Human note for rounds that saw failures, or none. */
export function failureNotes(label: string, results: LoadResult[]): string[] {
  const failures = results.reduce((sum, r) => sum + r.failures, 0);
  return failures > 0 ? [`${label}: ${failures} failed requests (errors, timeouts or non-2xx)`] : [];
}

/**
 * "CPU per request: server 120 µs, baseline 40 µs" from the rounds' medians, when measured, and the
 * load generator's own CPU per request on both sides (it shares the machine: when it needs more per
 * request on one side, that side loses throughput for reasons that are not the server's).
 */
export function cpuNote(server: LoadResult[], baseline: LoadResult[]): string[] {
  const mid = (rs: LoadResult[], pick: (r: LoadResult) => number) => {
    const v = rs.map(pick).filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)]! : Number.NaN;
  };
  const notes: string[] = [];
  const s = mid(server, (r) => r.cpuUs);
  const b = mid(baseline, (r) => r.cpuUs);
  if (Number.isFinite(s) && Number.isFinite(b)) notes.push(`CPU per request: server ${s.toFixed(0)} µs, baseline ${b.toFixed(0)} µs (× ${(s / b).toFixed(2)})`);
  const cs = mid(server, (r) => r.clientCpuUs);
  const cb = mid(baseline, (r) => r.clientCpuUs);
  if (Number.isFinite(cs) && Number.isFinite(cb)) notes.push(`load generator CPU per request: ${cs.toFixed(0)} µs against the server, ${cb.toFixed(0)} µs against the baseline`);
  return notes;
}
