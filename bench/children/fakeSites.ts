import http from 'node:http';

/**
 * Simulated WordPress sites for the panel fan-out: site n lives at http://127.0.0.1:PORT/s/<n>
 * and answers POST /wp-json/rakuwp/v1/remote/update after DELAY_MS, as the management plugin
 * does (seed 000), when X-RakuWP-Key is `siteKey(n)`. GET /stats tells the benchmark how many
 * calls arrived and how many were in flight at once.
 */
export const siteKey = (n: number) => `bench-site-key-${n}`;

const ANSWER = JSON.stringify({
  success: true,
  results: {
    plugins: [{ slug: 'akismet/akismet.php', new_version: '5.3', success: true }],
    themes: [],
    core: null,
  },
  errors: [],
});

const UPDATE = /^\/s\/(\d+)\/wp-json\/rakuwp\/v1\/remote\/update$/;

function main(): void {
  const delayMs = Number(process.env.DELAY_MS ?? 50);
  const stats = { calls: 0, rejected: 0, inFlight: 0, maxInFlight: 0 };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && (path === '/healthz' || path === '/stats')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      return;
    }
    const match = UPDATE.exec(path);
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"rest_no_route"}');
      return;
    }
    req.resume();
    req.once('end', () => {
      if (req.headers['x-rakuwp-key'] !== siteKey(Number(match[1]))) {
        stats.rejected++;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"rakuwp_invalid_key"}');
        return;
      }
      stats.calls++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      setTimeout(() => {
        stats.inFlight--;
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(ANSWER) });
        res.end(ANSWER);
      }, delayMs);
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

// Run as the child process; importing the module (for siteKey) starts nothing.
if (process.env.FAKE_SITES_CHILD === '1') main();
