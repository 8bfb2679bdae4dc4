import http from 'node:http';

export interface DownloadOutcome {
  status: number;
  bytes: number;
  ms: number;
}

/** One GET read to its end (bytes counted, not kept). */
export function download(url: string, agent?: http.Agent): Promise<DownloadOutcome> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: agent ?? false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
}

/** `clients` downloads of `url` started at once, each on its own connection. */
export async function downloadAtOnce(url: string, clients: number): Promise<{ outcomes: DownloadOutcome[]; ms: number }> {
  const started = process.hrtime.bigint();
  const outcomes = await Promise.all(Array.from({ length: clients }, () => download(url)));
  return { outcomes, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Problems with a batch: wrong status or a size other than `expectedBytes`. */
export function downloadProblems(outcomes: DownloadOutcome[], expectedBytes: number): string[] {
  const bad = outcomes.filter((o) => o.status !== 200 || o.bytes !== expectedBytes);
  if (bad.length === 0) return [];
  const first = bad[0]!;
  return [`${bad.length} of ${outcomes.length} downloads incomplete (first: status ${first.status}, ${first.bytes} of ${expectedBytes} bytes)`];
}

/**
 * Download throughput: `connections` workers each download `url` again and again (keep-alive)
 * until `seconds` have passed; the last downloads run to their end. MiB/s over the whole time.
 * (autocannon reads large bodies at a few MB/s, so it cannot measure this.)
 */
export async function downloadLoop(
  url: string,
  connections: number,
  seconds: number,
): Promise<{ mbps: number; requests: number; failures: number }> {
  if (seconds <= 0) return { mbps: 0, requests: 0, failures: 0 };
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  let bytes = 0;
  let requests = 0;
  let failures = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      try {
        const outcome = await download(url, agent);
        bytes += outcome.bytes;
        if (outcome.status === 200) requests++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbps: bytes / elapsed / (1024 * 1024), requests, failures };
}
