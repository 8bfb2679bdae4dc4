import fs from 'node:fs';

/** Resident memory of a process from /proc/<pid>/status, in MiB: current (VmRSS) and peak so far (VmHWM). */
export function readMemory(pid: number): { rssMB: number; hwmMB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(match[1]) / 1024;
  };
  return { rssMB: kb('VmRSS'), hwmMB: kb('VmHWM') };
}

/**
 * Samples VmRSS every `intervalMs` until stopped; the peak is the larger of the highest sample
 * and the kernel's VmHWM growth (which catches spikes between samples).
 */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly startHwm: number;
  readonly startRss: number;
  private peak: number;

  constructor(
    private readonly pid: number,
    intervalMs = 10,
  ) {
    const first = readMemory(pid);
    this.startRss = first.rssMB;
    this.startHwm = first.hwmMB;
    this.peak = first.rssMB;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    try {
      this.peak = Math.max(this.peak, readMemory(this.pid).rssMB);
    } catch {
      /* the process ended; stop() reports what was seen */
    }
  }

  /** Peak RSS growth over the starting RSS, in MiB. */
  stop(): { startMB: number; peakMB: number; growthMB: number } {
    clearInterval(this.timer);
    this.sample();
    let peak = this.peak;
    try {
      // VmHWM only rises: if it rose above where it started, that is a peak the samples may have missed.
      const hwm = readMemory(this.pid).hwmMB;
      if (hwm > this.startHwm) peak = Math.max(peak, hwm);
    } catch {
      /* gone */
    }
    return { startMB: this.startRss, peakMB: peak, growthMB: peak - this.startRss };
  }
}

/** CPU time (clock ticks) of a process plus its finished children (git runs as children of the server). */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of the line: 12-15 after the name.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
}

/**
 * Waits until the process has used under ~4% of a core over `windowMs`: background work after
 * start (zip prebuilds, resolutions) would otherwise run during a measure. Returns the wait in ms.
 */
export async function waitForIdle(pid: number, options: { windowMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const windowMs = options.windowMs ?? 500;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const started = Date.now();
  const maxTicks = Math.max(1, Math.round((windowMs / 10) * 0.04)); // 100 ticks per second on Linux
  let before = cpuTicks(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = cpuTicks(pid);
    if (now - before <= maxTicks) return Date.now() - started;
    if (Date.now() > deadline) throw new Error(`process ${pid} still busy after ${options.timeoutMs ?? 300_000} ms`);
    before = now;
  }
}
