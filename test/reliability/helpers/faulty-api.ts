/**
 * Faulty Kubernetes API servers on 127.0.0.1, made with node's net/http: each misbehaves in one
 * way a real one (or the network before it) can. Those that need a working API for the rest
 * (a slow watch, an exec upgrade never answered) forward everything else to a lab's API server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The ways a server misbehaves. */
export type FaultKind =
  | 'silent'
  | 'half-open'
  | 'http-500'
  | 'closing'
  | 'slow-watch'
  | 'watch-ends-at-once'
  | 'traceflow-unobservable'
  | 'exec-never-answered';

/** A started faulty server. */
export interface FaultyApi {
  kind: FaultKind;
  url: string;
  /** A kubeconfig for it (plain HTTP, as the fault is the point). */
  kubeconfigPath: string;
  /** Requests (or connections, for the net servers) it received. */
  readonly requests: number;
  /** Watch requests it received. */
  readonly watches: number;
  stop(): Promise<void>;
}

/** Where to forward what is not faulty: a lab API server. */
export interface Upstream {
  url: string;
  token: string;
  ca: Buffer;
}

/** The admin endpoint of a lab, from its kubeconfig. */
export function upstreamFromKubeconfig(path: string): Upstream {
  const kc = parse(readFileSync(path, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>;
    users: Array<{ user: { token?: string } }>;
  };
  const cluster = kc.clusters[0]!.cluster;
  return { url: cluster.server, token: kc.users[0]!.user.token ?? '', ca: Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64') };
}

function writeKubeconfig(dir: string, kind: FaultKind, url: string): string {
  const path = join(dir, `kubeconfig-${kind}`);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: faulty, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: faulty-token}}]',
      'contexts: [{name: faulty, context: {cluster: faulty, user: u}}]',
      'current-context: faulty',
      '',
    ].join('\n'),
  );
  return path;
}

function listen(server: Server | NetServer): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Starts a faulty server of `kind`; `upstream` is needed for `slow-watch` and `exec-never-answered`. */
export async function startFaultyApi(kind: FaultKind, dir: string, upstream?: Upstream): Promise<FaultyApi> {
  const sockets = new Set<Socket>();
  let requests = 0;
  let watches = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  let server: Server | NetServer;
  if (kind === 'silent' || kind === 'closing') {
    server = createNetServer((socket) => {
      requests++;
      track(socket);
      // silent: accepts and never says anything; closing: hangs up at once.
      if (kind === 'closing') socket.destroy();
    });
  } else {
    const http = createHttpServer((req, res) => {
      requests++;
      const isWatch = /[?&]watch=(true|1)/.test(req.url ?? '');
      if (isWatch) watches++;
      if (kind === 'half-open') {
        // Headers and the start of a body, then nothing: the connection stays open, unfinished.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[');
        return;
      }
      if (kind === 'http-500') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 }));
        return;
      }
      if ((kind === 'watch-ends-at-once' || kind === 'traceflow-unobservable') && isWatch) {
        // Accepted, and over at once with no event.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end();
        return;
      }
      if (kind === 'traceflow-unobservable' && req.method === 'GET' && /\/traceflows\/[^/?]+/.test(req.url ?? '')) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: leader changed', reason: 'InternalError', code: 500 }));
        return;
      }
      if (kind === 'slow-watch' && isWatch) {
        // A watch that is accepted and then never sends an event.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        return;
      }
      forward(req, res, upstream!);
    });
    http.on('connection', track);
    http.on('upgrade', (req, socket: Socket, head) => {
      requests++;
      track(socket);
      if (kind === 'exec-never-answered') return; // never answered: no 101, no error
      forwardUpgrade(req, socket, head, upstream!);
    });
    server = http;
  }
  const url = await listen(server);
  return {
    kind,
    url,
    kubeconfigPath: writeKubeconfig(dir, kind, url),
    get requests() {
      return requests;
    },
    get watches() {
      return watches;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function upstreamOptions(req: IncomingMessage, upstream: Upstream) {
  const u = new URL(upstream.url);
  return {
    host: u.hostname,
    port: u.port,
    path: req.url,
    method: req.method,
    headers: { ...req.headers, host: u.host, authorization: `Bearer ${upstream.token}` },
    ca: upstream.ca,
  };
}

function forward(req: IncomingMessage, res: import('node:http').ServerResponse, upstream: Upstream): void {
  const send = upstream.url.startsWith('https:') ? httpsRequest : httpRequest;
  const out = send(upstreamOptions(req, upstream), (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

function forwardUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, upstream: Upstream): void {
  const send = upstream.url.startsWith('https:') ? httpsRequest : httpRequest;
  const out = send(upstreamOptions(req, upstream));
  out.on('upgrade', (up, upSocket, upHead) => {
    const lines = [`HTTP/1.1 ${up.statusCode} ${up.statusMessage}`];
    for (let i = 0; i < up.rawHeaders.length; i += 2) lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.pipe(socket).pipe(upSocket);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
  });
  out.on('response', (res) => {
    socket.write(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\nConnection: close\r\n\r\n`);
    res.pipe(socket);
  });
  out.on('error', () => socket.destroy());
  out.end();
}
