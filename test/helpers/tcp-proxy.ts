/**
 * A TCP proxy on loopback between one process and PostgreSQL, to play network trouble:
 * - forwarding: bytes flow both ways, as on a healthy network;
 * - stalled (`stall()`): nothing is forwarded and no socket is closed, like a link that went
 *   silent; connections opened meanwhile are accepted and wait too;
 * - `drop()`: every connection is destroyed on both sides (the peer sees a reset, as when a
 *   firewall or the far end gives up), and new connections are forwarded again.
 * `stallWhenSent(marker)` stalls at a precise moment instead: when the client sends bytes that
 * contain `marker` (e.g. a statement's parameter), which are then not forwarded.
 *
 * No backpressure: the traffic of a test is small, and a stalled socket simply stops reading.
 * `startTestProxyTo(url)` proxies to the server of a PostgreSQL URL for the current test.
 */
import { connect, createServer, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

export interface TcpProxy {
  readonly port: number;
  /** `url` (a PostgreSQL URL) pointing at the proxy instead. */
  urlFor(url: string): string;
  stall(): void;
  /** Stalls as soon as a client sends a chunk containing `marker` (that chunk is not forwarded). */
  stallWhenSent(marker: string): void;
  isStalled(): boolean;
  /** Destroys every connection, ends the stall; returns how many connections there were. */
  drop(): number;
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  let marker: Buffer | null = null;
  const stall = () => {
    stalled = true;
    for (const pair of pairs) for (const socket of pair) socket.pause();
  };

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) {
        marker = null;
        return stall();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const from of pair) {
      from.on('end', close);
      from.on('error', close);
      from.on('close', close);
    }
    if (stalled) for (const socket of pair) socket.pause();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');

  return {
    port: address.port,
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(address.port);
      return proxied.toString();
    },
    stall,
    stallWhenSent(text) {
      marker = Buffer.from(text);
    },
    isStalled: () => stalled,
    drop() {
      const dropped = pairs.size;
      for (const pair of [...pairs]) for (const socket of pair) socket.resetAndDestroy();
      pairs.clear();
      stalled = false;
      return dropped;
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) for (const socket of pair) socket.destroy();
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy to the server of the PostgreSQL URL `url`, closed when the current test ends. */
export async function startTestProxyTo(url: string): Promise<TcpProxy> {
  const target = new URL(url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  onTestFinished(() => proxy.close());
  return proxy;
}
