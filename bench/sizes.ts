/**
 * How big and how long each measure is. `full` is what the issue asks for; `quick` keeps every
 * measure but shrinks it so CI proves the benchmark still runs (seconds, not minutes).
 */
export interface BenchSizes {
  name: 'full' | 'quick';
  /** Measured rounds per figure (median taken); a warm-up precedes them. */
  rounds: number;
  /**
   * Seconds of load per round, and of the warm-up before the first (0: no warm-up). autocannon
   * stops on whole seconds, so shorter loads than 1 s are not possible.
   */
  loadSeconds: number;
  warmupSeconds: number;
  /** A server counts as idle after start when it used under 4% of a core for this long. */
  settleWindowMs: number;
  /** Concurrent connections for the metadata actions (the 64). */
  apiConnections: number;
  /** Projects configured while basic_check / plugin_information are measured. */
  apiProjects: number;
  /** Cached download throughput: release size and concurrent connections. */
  downloadMB: number;
  downloadConnections: number;
  /** Cold zip build: files and total size of the tree. */
  zipFiles: number;
  zipMB: number;
  /** Memory: release size and clients downloading it at once. */
  memoryMB: number;
  memoryClients: number;
  /** Scale: projects compared with `scaleSmallProjects`, and tags in one repository. */
  scaleProjects: number;
  scaleSmallProjects: number;
  /** Start each scale configuration once before measuring, so the measured start finds its zips cached. */
  scaleWarmStart: boolean;
  tags: number;
  /** Panel fan-out: sites, each answering after `siteDelayMs`. */
  sites: number;
  siteDelayMs: number;
}

export const FULL: BenchSizes = {
  name: 'full',
  rounds: 3,
  loadSeconds: 4,
  warmupSeconds: 1,
  settleWindowMs: 500,
  apiConnections: 64,
  apiProjects: 100,
  downloadMB: 20,
  downloadConnections: 4,
  zipFiles: 2000,
  zipMB: 30,
  memoryMB: 50,
  memoryClients: 100,
  scaleProjects: 1000,
  scaleSmallProjects: 10,
  scaleWarmStart: true,
  tags: 5000,
  sites: 500,
  siteDelayMs: 50,
};

export const QUICK: BenchSizes = {
  name: 'quick',
  rounds: 1,
  loadSeconds: 1,
  warmupSeconds: 0,
  settleWindowMs: 250,
  apiConnections: 64,
  apiProjects: 10,
  downloadMB: 2,
  downloadConnections: 2,
  zipFiles: 200,
  zipMB: 2,
  memoryMB: 4,
  memoryClients: 10,
  scaleProjects: 40,
  scaleSmallProjects: 4,
  scaleWarmStart: false,
  tags: 200,
  sites: 20,
  siteDelayMs: 50,
};
