import http from 'node:http';

/** Loopback addresses the sites are spread over (the panel calls at most 2 sites of one host at once). */
export const SITE_HOSTS = 32;

/** Where site n lives: its own path on one of SITE_HOSTS loopback addresses (127.0.1.x). */
export const siteUrl = (port: number, n: number) => `http://127.0.1.${(n % SITE_HOSTS) + 1}:${port}/s/${n}`;

/**
 * Simulated WordPress sites for the panel fan-out: site n lives at siteUrl(PORT, n)
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
  // One server answers on 127.0.0.1 (health, stats) and on every site address.
  const port = Number(process.env.PORT);
  const servers = [server, ...Array.from({ length: SITE_HOSTS }, () => http.createServer(server.listeners('request')[0] as http.RequestListener))];
  servers.forEach((s, i) => s.listen(port, i === 0 ? '127.0.0.1' : `127.0.1.${i}`));
  process.on('SIGTERM', () => {
    let open = servers.length;
    for (const s of servers) {
      s.close(() => --open === 0 && process.exit(0));
      s.closeAllConnections();
    }
  });
}

// Run as the child process; importing the module (for siteKey) starts nothing.
if (process.env.FAKE_SITES_CHILD === '1') main();
