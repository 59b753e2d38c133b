/**
 * The edge of a Swarm deployment: one per node (a global service, ports published in host mode), it
 * forwards TCP connections to a service by its Swarm DNS name, spreading them over the service's
 * tasks. It does what the routing mesh does, for engines whose kernel has no IPVS (the mesh and the
 * services' virtual IPs need it): every node answers on 127.0.0.1:<port> for the API and the
 * registry, and the services themselves use `endpoint_mode: dnsrr` (docs/deploy.md).
 *
 * Each connection resolves the name again (tasks come and go in a rolling update) and tries the
 * addresses in turn from a rotating start, so a replica that just stopped costs one refused connect.
 *
 *   const edge = await startEdge([{ port: 8080, host: 'server', targetPort: 8080 }], logger);
 *   await edge.close();
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { DhError } from '../core/errors.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface EdgeForward {
  port: number;
  host: string;
  targetPort: number;
}

/** `8080=server:8080` -> { port: 8080, host: 'server', targetPort: 8080 }. Pure. */
export function parseForward(text: string): EdgeForward {
  const match = /^(\d{1,5})=([A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[1]);
  const targetPort = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535 || targetPort < 1 || targetPort > 65_535) {
    throw new DhError('DH_ERR_VALIDATION', `--forward expects LISTEN_PORT=HOST:PORT (e.g. 8080=server:8080), got "${text}".`);
  }
  return { port, host: match[2]!, targetPort };
}

export interface Edge {
  close(): Promise<void>;
}

export async function startEdge(forwards: readonly EdgeForward[], logger: Logger, listenHost = '0.0.0.0'): Promise<Edge> {
  let turn = 0;
  const servers = await Promise.all(forwards.map((forward) => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer((client) => {
      client.pause();
      client.on('error', () => undefined);
      void connectToAny(forward, turn++).then((upstream) => {
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      }, (err: unknown) => {
        logger.warn({ target: `${forward.host}:${forward.targetPort}`, err: (err as Error).message }, 'edge: no task of the service answers');
        client.destroy();
      });
    });
    server.once('error', reject);
    server.listen(forward.port, listenHost, () => resolve(server));
  })));
  logger.info({ forwards: forwards.map((f) => `${f.port}=${f.host}:${f.targetPort}`) }, 'edge forwarding');
  return {
    close: async () => {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

async function connectToAny(forward: EdgeForward, turn: number): Promise<net.Socket> {
  const addresses = (await lookup(forward.host, { all: true, family: 4 })).map((a) => a.address);
  let lastError: Error = new Error(`${forward.host} resolves to no address`);
  for (let i = 0; i < addresses.length; i++) {
    const address = addresses[(turn + i) % addresses.length]!;
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: address, port: forward.targetPort, timeout: 3000 });
        socket.once('connect', () => { socket.setTimeout(0); resolve(socket); });
        socket.once('timeout', () => { socket.destroy(); reject(new Error(`connect to ${address} timed out`)); });
        socket.once('error', reject);
      });
    } catch (err) {
      lastError = err as Error;
    }
  }
  throw lastError;
}
