/**
 * A tiny HTTP listener for a worker-only process, which has no API to hang `/metrics` on: it answers
 * `GET /metrics` in the Prometheus text format and nothing else.
 *
 *   const server = await startMetricsServer(ctx.metrics, { port: 9464, host: '0.0.0.0' });
 *   server.url // 'http://127.0.0.1:9464/metrics'; await server.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DockhandMetrics } from './metrics.ts';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: DockhandMetrics, options: { port: number; host?: string }): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
