import fs from 'node:fs';
import http from 'node:http';

/**
 * Baseline for downloads: a bare node http server streaming FILE from disk on every GET,
 * with Content-Length, as any static file server would.
 */
const file = process.env.FILE!;
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  fs.stat(file, (err, stat) => {
    if (err) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': stat.size });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
