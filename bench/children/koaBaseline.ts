import fs from 'node:fs';
import http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';

/**
 * Baseline for the metadata actions: a minimal Koa app with one route, GET /api, answering the
 * bytes of BODY_FILE (the server's own answer, captured by the benchmark) with the same headers.
 */
const body = fs.readFileSync(process.env.BODY_FILE!);
const koa = new Koa();
const router = new Router();
router.get('/api', (ctx) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = body;
});
koa.use(router.routes());
const server = http.createServer(koa.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
