/**
 * The lab's Kubernetes API server: a real HTTP(S) server on 127.0.0.1 that `@kubernetes/client-node`
 * and kubectl talk to through a kubeconfig. It serves discovery, REST verbs and watches on an
 * in-memory store, emulates bearer-token authentication, impersonation, a deny-list authorizer and
 * Kubernetes RBAC (Roles, ClusterRoles and bindings in the store), and runs `pods/exec`
 * over WebSocket as real local processes chosen by an {@link ExecResolver}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ResourceTarget } from './api-path.js';
import type { ExecResolver } from './exec-resolver.js';
import type { KubeObject } from './kube-object.js';
import type { AdmissionValidator, SchemaValidator } from './object-store.js';
import type { ResourceDefinition, ResourceInfo } from './resource-registry.js';
import type { ServingCertificate } from './tls-certificate.js';
import type { ActiveWatch } from './watch-stream.js';
import type { LabUser } from './access-control.js';
import { AccessControl } from './access-control.js';
import { KubeApiError, badRequest, internalError, methodNotSupported, pathNotFound } from './api-errors.js';
import { parseApiPath, requestVerb } from './api-path.js';
import { CRD_GROUP, CRD_PLURAL, crdForDefinition, startCrdSync } from './crd-sync.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { ExecSession, negotiateExecProtocol } from './exec-session.js';
import { ObjectStore } from './object-store.js';
import { ResourceRegistry, builtinResources } from './resource-registry.js';
import { handleRest, parseBody } from './rest-handlers.js';
import { reviewSelfAccess } from './access-review.js';
import { decodeSelfSubjectAccessReview, isKubeProtobuf } from './access-review-protobuf.js';
import { RBAC_GROUP, type RbacObjects } from './rbac-authorizer.js';
import { generateServingCertificate } from './tls-certificate.js';
import { streamWatch } from './watch-stream.js';

/** One handled request, for logs and test assertions. */
export interface RequestRecord {
  method: string;
  path: string;
  user?: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  status: number;
}

/** Options of {@link KubeApiServer}. */
export interface KubeApiServerOptions {
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /**
   * `true` (default): HTTPS with a self-signed certificate made at start (needs `openssl`);
   * a certificate to use that one; `false`: plain HTTP (kubeconfigs then need insecure-skip-tls-verify).
   */
  tls?: boolean | ServingCertificate;
  /** Users and tokens. Default: `admin` (no denies) and `restricted`, both with random tokens. */
  users?: LabUser[];
  /** Deny rules of the default `restricted` user. Default `["create pods/exec"]`. */
  restrictedUserDenies?: string[];
  /** Runs `pods/exec` commands. Without one, every exec answers "no runtime". */
  execResolver?: ExecResolver;
  /** Objects loaded at construction (status and uid kept, no admission). */
  objects?: KubeObject[];
  /** Resources registered at construction (custom groups get a CRD object). */
  resources?: ResourceDefinition[];
  /** Emulated Kubernetes version for `/version`. Default v1.35.0. */
  kubernetesVersion?: string;
  /** Watch history kept for resuming from a resourceVersion. Default 10000 events. */
  watchHistoryLimit?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks. Default 30 s. */
  bookmarkIntervalMs?: number;
  /** Called after every request. */
  onRequest?: (record: RequestRecord) => void;
  /** See {@link KubeApiServer.execStreamCloseKeepsProcess}. Default false. */
  execStreamCloseKeepsProcess?: boolean;
}

/** A live process that a `pods/exec` started (or one of its descendants). */
export interface ExecProcess {
  pid: number;
  /** The process group: the pid of the process the exec started. */
  pgid: number;
  /** Its command line (NULs as spaces). */
  command: string;
}

/** Where a started server listens. */
export interface KubeApiEndpoint {
  url: string;
  /** Base64 PEM of the CA (the self-signed serving certificate); absent for plain HTTP. */
  caData?: string;
}

/** Raised for misuse of the server object (start twice, not started). */
export class KubeApiServerStateError extends Error {
  readonly code = 'KUBE_API_SERVER_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'KubeApiServerStateError';
  }
}

/** The apiserver's request body limit (3 MiB). */
const MAX_BODY = 3 * 1024 * 1024;
const BUILTIN_GROUPS = new Set(['', 'apps', 'discovery.k8s.io', 'networking.k8s.io', 'apiextensions.k8s.io', 'authorization.k8s.io', RBAC_GROUP]);

/** The lab API server. */
export class KubeApiServer {
  /** Served resources. */
  readonly registry = new ResourceRegistry();
  /** The objects; controllers may read, write and subscribe here directly. */
  readonly store: ObjectStore;
  /** Users and their tokens. */
  readonly users: LabUser[];

  private readonly access: AccessControl;
  private readonly wss: WebSocketServer;
  private server?: Server;
  private endpoint?: KubeApiEndpoint;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ActiveWatch>();
  private readonly sessions = new Set<ExecSession>();
  /** Process groups of every process an exec started (each exec's process leads its own). */
  private readonly execGroups = new Set<number>();
  /**
   * When true, a `pods/exec` whose client stream goes away leaves its process running (stdin
   * open), as some kubelets and container runtimes do: only an explicit kill ends it. Tests set
   * it to check that a client ends what it started instead of relying on the stream closing.
   */
  execStreamCloseKeepsProcess: boolean;

  constructor(private readonly options: KubeApiServerOptions = {}) {
    for (const def of builtinResources()) this.registry.register(def);
    this.store = new ObjectStore(this.registry, { historyLimit: options.watchHistoryLimit });
    startCrdSync(this.store);
    this.users = options.users ?? [
      { name: 'admin', token: randomBytes(24).toString('hex') },
      { name: 'restricted', token: randomBytes(24).toString('hex'), denies: options.restrictedUserDenies ?? ['create pods/exec'] },
    ];
    this.access = new AccessControl(this.users, () => this.rbacObjects());
    this.execStreamCloseKeepsProcess = options.execStreamCloseKeepsProcess ?? false;
    this.wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => negotiateExecProtocol(protocols) ?? false });
    if (options.objects) this.store.seed(options.objects);
    for (const def of options.resources ?? []) this.registerResource(def);
  }

  /** The RBAC objects now in the store (read on every authorization of an RBAC user). */
  private rbacObjects(): RbacObjects {
    const list = (plural: string) => {
      const res = this.registry.lookup(RBAC_GROUP, 'v1', plural);
      return res ? this.store.list(res).items : [];
    };
    return { roles: list('roles'), clusterRoles: list('clusterroles'), roleBindings: list('rolebindings'), clusterRoleBindings: list('clusterrolebindings') };
  }

  /** URL and CA once started. */
  get address(): KubeApiEndpoint {
    if (!this.endpoint) throw new KubeApiServerStateError('the lab API server is not started');
    return this.endpoint;
  }

  /** The bearer token of a user. */
  tokenFor(user: string): string {
    const u = this.users.find((x) => x.name === user);
    if (!u) throw new KubeApiServerStateError(`no lab user named ${JSON.stringify(user)}`);
    return u.token;
  }

  /**
   * Serves a resource version. Built-in groups are registered directly; other groups through a
   * CustomResourceDefinition object (created or extended), so CRD listings and discovery agree.
   */
  registerResource(def: ResourceDefinition): ResourceInfo {
    if (BUILTIN_GROUPS.has(def.group)) return this.registry.register(def);
    const crdRes = this.registry.lookup(CRD_GROUP, 'v1', CRD_PLURAL)!;
    const name = `${def.plural}.${def.group}`;
    const existing = this.store.tryGet(crdRes, undefined, name);
    const crd = crdForDefinition(def, existing);
    if (existing) this.store.update(crdRes, crd, { internal: true });
    else this.store.create(crdRes, crd, { internal: true });
    const info = this.registry.lookup(def.group, def.version, def.plural);
    if (!info) throw new KubeApiServerStateError(`registering ${name} ${def.version} did not serve it`);
    return info;
  }

  /** Adds a validating admission hook (`pods`, `traceflows.crd.antrea.io`, or `*`). */
  registerValidator(resource: string, fn: AdmissionValidator): () => void {
    return this.store.registerValidator(resource, fn);
  }

  /** Adds a schema-validation hook (422 Invalid on errors). */
  registerSchemaValidator(resource: string, fn: SchemaValidator): () => void {
    return this.store.registerSchemaValidator(resource, fn);
  }

  /** Starts listening. */
  async start(): Promise<KubeApiEndpoint> {
    if (this.server) throw new KubeApiServerStateError('the lab API server is already started');
    const tlsOpt = this.options.tls ?? true;
    const cert = tlsOpt === true ? await generateServingCertificate() : tlsOpt === false ? undefined : tlsOpt;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res);
    const server = cert ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, handler) : createHttpServer(handler);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.endpoint = {
      url: `${cert ? 'https' : 'http'}://${hostPart}:${port}`,
      ...(cert ? { caData: Buffer.from(cert.certPem).toString('base64') } : {}),
    };
    return this.endpoint;
  }

  /**
   * The live processes that execs started, and their descendants, found by process group in
   * /proc (zombies, already ended, are not counted).
   */
  execProcesses(): ExecProcess[] {
    const found: ExecProcess[] = [];
    if (this.execGroups.size === 0) return found;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = fields[0];
      const pgid = Number(fields[2]);
      if (state === 'Z' || !this.execGroups.has(pgid)) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // Gone meanwhile.
      }
      found.push({ pid: Number(entry), pgid, command });
    }
    return found;
  }

  /** Stops: ends watches, kills running exec processes (kept ones too), closes every connection. */
  async stop(): Promise<void> {
    for (const w of [...this.watches]) w.end();
    for (const s of [...this.sessions]) s.terminate();
    for (const pgid of this.execGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.execGroups.clear();
    await Promise.all([...this.sessions].map((s) => s.ended));
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    await closed;
    this.server = undefined;
    this.endpoint = undefined;
  }

  private record(r: RequestRecord): void {
    try {
      this.options.onRequest?.(r);
    } catch {
      // Logging must not break serving.
    }
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://lab');
    const method = req.method ?? 'GET';
    const rec: RequestRecord = { method, path: url.pathname, status: 0 };
    const send = (status: number, body: unknown, contentType = 'application/json') => {
      rec.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
      res.end(method === 'HEAD' ? undefined : text);
    };
    try {
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path === '/healthz' || path === '/livez' || path === '/readyz') return send(200, 'ok', 'text/plain; charset=utf-8');
      if (path === '/version') return send(200, versionInfo(this.options.kubernetesVersion ?? 'v1.35.0'));
      rec.user = this.access.impersonate(this.access.authenticate(req.headers.authorization), req.headers);
      const target = parseApiPath(path, this.registry);
      if (!target) throw pathNotFound();
      if (target.type !== 'resource') {
        if (method !== 'GET' && method !== 'HEAD') throw methodNotSupported({ group: '', resource: path }, method.toLowerCase());
        const doc = this.discovery(target, req);
        if (!doc) throw pathNotFound();
        return send(200, doc);
      }
      const verb = requestVerb(method, target, url.searchParams);
      Object.assign(rec, { verb, resource: target.resource.plural, subresource: target.subresource, namespace: target.namespace, name: target.name });
      if (!verb) throw methodNotSupported({ group: target.resource.group, resource: target.resource.plural }, method);
      if (target.subresource === 'exec') {
        // A plain request on pods/exec gets the same checks as an upgrade, then "Upgrade request required".
        this.checkExec(rec.user, target, url.searchParams, method);
        throw badRequest('Upgrade request required');
      }
      this.access.authorize({ user: rec.user, verb, group: target.resource.group, resource: target.resource.plural, subresource: target.subresource, namespace: target.namespace, name: target.name });
      if (verb === 'watch') {
        const w = streamWatch(this.store, target, url.searchParams, res, { bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 30_000 });
        rec.status = 200;
        this.watches.add(w);
        res.on('close', () => this.watches.delete(w));
        this.record(rec);
        return;
      }
      const body = await readBody(req);
      const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
      if (target.resource.group === 'authorization.k8s.io' && target.resource.plural === 'selfsubjectaccessreviews') {
        if (verb !== 'create') throw methodNotSupported({ group: target.resource.group, resource: target.resource.plural }, verb);
        // kubectl's typed client (`kubectl auth can-i`) sends the review as protobuf.
        const review = isKubeProtobuf(body, contentType) ? decodeSelfSubjectAccessReview(body) : parseBody(body, contentType);
        send(201, reviewSelfAccess(this.access, rec.user, review));
      } else {
        const out = handleRest(this.store, { target, verb, query: url.searchParams, body, contentType, user: rec.user });
        send(out.status, out.body);
      }
    } catch (err) {
      const apiErr = err instanceof KubeApiError ? err : internalError((err as Error)?.message ?? String(err));
      if (res.headersSent) res.end();
      else send(apiErr.httpStatus, apiErr.status);
    }
    this.record(rec);
  }

  private discovery(target: Exclude<ReturnType<typeof parseApiPath>, undefined>, req: IncomingMessage): object | undefined {
    switch (target.type) {
      case 'api-versions':
        return apiVersions(req.headers.host ?? '127.0.0.1');
      case 'group-list':
        return apiGroupList(this.registry);
      case 'group':
        return apiGroup(this.registry, target.group);
      case 'resource-list':
        return apiResourceList(this.registry, target.group, target.version);
      default:
        return undefined;
    }
  }

  /**
   * Authorization and validation of an exec request, in the apiserver's order. The WebSocket
   * upgrade is a GET (`get pods/exec`); Kubernetes ≥ 1.35 also requires `create pods/exec`.
   */
  private checkExec(user: string, target: ResourceTarget, query: URLSearchParams, method: string): { pod: KubeObject; container: string; command: string[] } {
    const base = { user, group: '', resource: 'pods', subresource: 'exec', namespace: target.namespace, name: target.name };
    this.access.authorize({ ...base, verb: method === 'POST' ? 'create' : 'get' });
    this.access.authorize({ ...base, verb: 'create' });
    const pod = this.store.get(target.resource, target.namespace, target.name!);
    const containers = ((pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map((c) => c.name);
    let container = query.get('container') ?? '';
    if (container === '') {
      if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${target.name}, choose one of: [${containers.join(' ')}]`);
      container = containers[0]!;
    }
    if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${target.name}`);
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const command = query.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least 1 command');
    const flag = (k: string) => query.get(k) === 'true' || query.get(k) === '1';
    if (!flag('stdin') && !flag('stdout') && !flag('stderr')) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
    return { pod, container, command };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://lab');
    const method = req.method ?? 'GET';
    const rec: RequestRecord = { method, path: url.pathname, status: 0, verb: 'create', resource: 'pods', subresource: 'exec' };
    socket.on('error', () => undefined);
    const fail = (err: unknown) => {
      const apiErr = err instanceof KubeApiError ? err : internalError((err as Error)?.message ?? String(err));
      const text = JSON.stringify(apiErr.status);
      rec.status = apiErr.httpStatus;
      socket.end(
        `HTTP/1.1 ${apiErr.httpStatus} ${STATUS_CODES[apiErr.httpStatus] ?? 'Error'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${text}`,
      );
      this.record(rec);
    };
    try {
      rec.user = this.access.impersonate(this.access.authenticate(req.headers.authorization), req.headers);
      const target = parseApiPath(url.pathname, this.registry);
      if (!target || target.type !== 'resource' || target.subresource !== 'exec' || (method !== 'GET' && method !== 'POST')) {
        throw badRequest('only pods/exec accepts connection upgrades on the lab API server');
      }
      Object.assign(rec, { namespace: target.namespace, name: target.name });
      const checked = this.checkExec(rec.user, target, url.searchParams, method);
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (offered.length > 0 && !negotiateExecProtocol(offered)) {
        throw badRequest(`requested protocol(s) are not supported: [${offered.join(' ')}]; supports [v5.channel.k8s.io v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]`);
      }
      const flag = (k: string) => url.searchParams.get(k) === 'true' || url.searchParams.get(k) === '1';
      const target2 = { namespace: target.namespace!, pod: target.name!, container: checked.container, command: checked.command };
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        rec.status = 101;
        this.record(rec);
        let resolution;
        try {
          resolution = this.options.execResolver?.(target2);
        } catch {
          resolution = undefined;
        }
        const session = new ExecSession({
          socket: ws,
          target: target2,
          resolution,
          stdin: flag('stdin'),
          stdout: flag('stdout'),
          stderr: flag('stderr'),
          tty: flag('tty'),
          keepProcessOnClose: () => this.execStreamCloseKeepsProcess,
          onSpawn: (pid) => this.execGroups.add(pid),
        });
        this.sessions.add(session);
        void session.ended.then(() => this.sessions.delete(session));
        session.start();
      });
    } catch (err) {
      fail(err);
    }
  }
}

/** Reads a request body up to {@link MAX_BODY} bytes. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new KubeApiError({ message: `Request entity too large: limit is ${MAX_BODY}`, reason: 'RequestEntityTooLarge', code: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

