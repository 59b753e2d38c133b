/**
 * Serves the dashboard: the files under ui/ at /ui/, and the three library files it imports, straight
 * from node_modules at /ui/vendor/ (no CDN, no build step: htm's standalone build is Preact with hooks
 * and htm in one ES module with no bare imports, and uPlot ships an ES module). `/` and `/ui` lead to
 * `/ui/`. Every answer under /ui carries a Content-Security-Policy that allows scripts, styles and
 * requests from this origin only, and no inline script at all (docs/security.md). The dashboard holds
 * no secret and no data: it signs in with a project token and reads /v1 like any other client.
 *
 *   await registerDashboard(app);
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const UI_ROOT = fileURLToPath(new URL('../../../ui/', import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The library files the dashboard imports, by the name it imports them under. */
function vendorFiles(): Record<string, { dir: string; file: string }> {
  const require = createRequire(import.meta.url);
  const htmRoot = path.resolve(path.dirname(require.resolve('htm')), '..');
  const uplotDist = path.dirname(require.resolve('uplot'));
  return {
    'preact-htm.js': { dir: path.join(htmRoot, 'preact'), file: 'standalone.module.js' },
    'uplot.js': { dir: uplotDist, file: 'uPlot.esm.js' },
    'uplot.css': { dir: uplotDist, file: 'uPlot.min.css' },
  };
}

export async function registerDashboard(app: FastifyInstance): Promise<void> {
  const vendor = vendorFiles();
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/ui')) return;
    reply.header('content-security-policy', DASHBOARD_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  await app.register(fastifyStatic, { root: UI_ROOT, prefix: '/ui/', index: ['index.html'], wildcard: true, cacheControl: false });
  app.get('/', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { file: string } }>('/ui/vendor/:file', async (request, reply) => {
    const entry = vendor[request.params.file];
    if (!entry) return reply.status(404).send({ error: { code: 'DH_ERR_NOT_FOUND', message: `No dashboard library named ${request.params.file}.` } });
    return reply.sendFile(entry.file, entry.dir);
  });
}
