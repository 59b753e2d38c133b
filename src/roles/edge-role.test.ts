import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/logger.ts';
import { parseForward, startEdge, type Edge } from './edge-role.ts';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A TCP server that answers every connection with its name, then closes. */
async function namedServer(name: string): Promise<number> {
  const server = net.createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

function read(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => { text += chunk.toString(); });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('the edge', () => {
  it('parses LISTEN=HOST:PORT and refuses anything else', () => {
    expect(parseForward('8080=server:8080')).toEqual({ port: 8080, host: 'server', targetPort: 8080 });
    expect(() => parseForward('8080:server:8080')).toThrow(/LISTEN_PORT=HOST:PORT/);
    expect(() => parseForward('99999=server:1')).toThrow(/LISTEN_PORT=HOST:PORT/);
  });

  it('forwards each connection to the service by name', async () => {
    const target = await namedServer('api');
    const edge: Edge = await startEdge([{ port: 0, host: 'localhost', targetPort: target }], createLogger('silent'), '127.0.0.1');
    closers.push(() => edge.close());
    expect(await read(edge.ports[0]!)).toBe('api');
    expect(await read(edge.ports[0]!)).toBe('api');
  });

  it('closes the client when no task of the service answers', async () => {
    const free = await namedServer('gone');
    await closers.pop()!();
    const edge = await startEdge([{ port: 0, host: 'localhost', targetPort: free }], createLogger('silent'), '127.0.0.1');
    closers.push(() => edge.close());
    expect(await read(edge.ports[0]!)).toBe('');
  });
});
