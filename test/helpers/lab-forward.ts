/**
 * Reaching a port inside a network namespace from the test process without any address outside the
 * namespaces: a relay started inside the namespace listens on a unix socket (sockets in the file
 * system cross network namespaces) and connects to `host:port` there; a local server on 127.0.0.1
 * pipes each connection to that socket.
 *
 *   const api = await forwardIntoNamespace('dhlab-ab12-n1', '/tmp/dhlab-ab12/n1/api.sock', '10.213.0.11', 8080);
 *   await fetch(`${api.url}/v1/health`);
 *   await api.close();
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import net from 'node:net';

export interface Forward {
  url: string;
  port: number;
  close(): Promise<void>;
}

// The relay inside the namespace: plain node, no dependencies, so it runs from any directory.
const RELAY = `
const net = require('node:net');
const [sock, host, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), host);
  c.pipe(u).pipe(c);
  u.on('error', () => c.destroy());
  c.on('error', () => u.destroy());
}).listen(sock, () => process.stdout.write('ready\\n'));
`;

function relay(a: net.Socket, b: net.Socket): void {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

export async function forwardIntoNamespace(netns: string, socketPath: string, host: string, port: number): Promise<Forward> {
  await rm(socketPath, { force: true });
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', RELAY, socketPath, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [undefined])])) as [Buffer | undefined];
  if (!first) throw new Error(`the relay into ${netns} did not start`);
  const server = net.createServer((local) => relay(local, net.connect(socketPath)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const local = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${local}`,
    port: local,
    async close() {
      server.close();
      child.kill('SIGTERM');
      await rm(socketPath, { force: true });
    },
  };
}
