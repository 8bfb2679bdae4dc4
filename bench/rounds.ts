/**
 * Runs a measure and its baseline in alternating rounds (baseline first unless `serverFirst`),
 * so drift on a shared machine hits both sides alike. Warm-up runs of each precede the rounds.
 */
export async function alternate<T>(options: {
  rounds: number;
  /** The server's round prepares what the baseline needs (for example the zip it serves). */
  serverFirst?: boolean;
  warmup?: { server(): Promise<unknown>; baseline(): Promise<unknown> };
  server(round: number): Promise<T>;
  baseline(round: number): Promise<T>;
}): Promise<{ server: T[]; baseline: T[] }> {
  if (options.warmup) {
    await options.warmup.baseline();
    await options.warmup.server();
  }
  const server: T[] = [];
  const baseline: T[] = [];
  for (let round = 0; round < options.rounds; round++) {
    if (options.serverFirst) {
      server.push(await options.server(round));
      baseline.push(await options.baseline(round));
    } else {
      baseline.push(await options.baseline(round));
      server.push(await options.server(round));
    }
  }
  return { server, baseline };
}
