/**
 * Launching the lab API server from a plain-data configuration (the same JSON the daemon entry
 * `serve.ts` reads), writing its kubeconfigs and its endpoint file, and waiting for a daemon's
 * endpoint file. Used by the `Lab` orchestrator in both in-process and daemon modes.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabUser } from './access-control.js';
import type { ExecResolver, ExecWrapMap } from './exec-resolver.js';
import type { KubeObject } from './kube-object.js';
import type { ResourceDefinition } from './resource-registry.js';
import { execResolverFromMap } from './exec-resolver.js';
import { KubeApiServer, type KubeApiEndpoint, type KubeApiServerOptions } from './kube-api-server.js';
import { writeKubeconfigs } from './kubeconfig.js';

/** File the daemon reads its configuration from, inside the state directory. */
export const KUBE_API_CONFIG_FILE = 'kube-api-config.json';
/** File the daemon writes once it serves (JSON {@link KubeApiEndpointFile}). */
export const KUBE_API_ENDPOINT_FILE = 'kube-api-endpoint.json';
/** File with just the URL and a newline, written together with the endpoint file. */
export const KUBE_API_URL_FILE = 'kube-api.url';

/** The daemon's configuration (JSON). Only `objects` is required. */
export interface KubeApiLaunchConfig {
  /** Objects to serve (e.g. from `buildClusterObjects`). */
  objects: KubeObject[];
  /** Extra resources (custom groups get a CRD). */
  resources?: ResourceDefinition[];
  /** `<ns>/<pod>[/<container>]` → `{wrap, env}`: exec runs `[...wrap, ...command]`. */
  exec?: ExecWrapMap;
  /** Users and tokens. Default: `admin` and `restricted` with random tokens. */
  users?: LabUser[];
  /** Denies of the default `restricted` user. Default `["create pods/exec"]`. */
  restrictedUserDenies?: string[];
  /** HTTPS with a generated certificate (default true). */
  tls?: boolean;
  host?: string;
  port?: number;
  kubernetesVersion?: string;
}

/** What the daemon writes to {@link KUBE_API_ENDPOINT_FILE}. */
export interface KubeApiEndpointFile extends KubeApiEndpoint {
  pid: number;
  /** Kubeconfig path per user (`admin` → `<dir>/kubeconfig`, `restricted` → `<dir>/kubeconfig-restricted`). */
  kubeconfigs: Record<string, string>;
}

/** A launched server. */
export interface LaunchedKubeApi {
  server: KubeApiServer;
  endpoint: KubeApiEndpoint;
  kubeconfigs: Record<string, string>;
}

/** Raised when the daemon's configuration is unreadable or it did not come up. */
export class KubeApiLaunchError extends Error {
  readonly code = 'KUBE_API_LAUNCH';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeApiLaunchError';
  }
}

/** Reads and checks a launch configuration file. */
export async function readLaunchConfig(path: string): Promise<KubeApiLaunchConfig> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new KubeApiLaunchError(`cannot read the lab API configuration ${path}: ${(err as Error).message}`, { cause: err });
  }
  const cfg = value as Partial<KubeApiLaunchConfig>;
  if (typeof value !== 'object' || value === null || !Array.isArray(cfg.objects)) {
    throw new KubeApiLaunchError(`${path}: expected a JSON object with an "objects" array`);
  }
  return cfg as KubeApiLaunchConfig;
}

/**
 * Starts a server for a configuration and writes kubeconfigs into `dir`. `execResolver` (in-process
 * use) takes precedence over the data-driven `config.exec` map.
 */
export async function launchKubeApi(config: KubeApiLaunchConfig, dir: string, extra: { execResolver?: ExecResolver; onRequest?: KubeApiServerOptions['onRequest'] } = {}): Promise<LaunchedKubeApi> {
  const server = new KubeApiServer({
    objects: config.objects,
    resources: config.resources,
    users: config.users,
    restrictedUserDenies: config.restrictedUserDenies,
    tls: config.tls ?? true,
    host: config.host,
    port: config.port,
    kubernetesVersion: config.kubernetesVersion,
    execResolver: extra.execResolver ?? (config.exec ? execResolverFromMap(config.exec) : undefined),
    onRequest: extra.onRequest,
  });
  try {
    const endpoint = await server.start();
    const kubeconfigs = await writeKubeconfigs(dir, endpoint, server.users);
    return { server, endpoint, kubeconfigs };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Writes the endpoint file (atomically) and the URL file: the daemon's "ready" signal. */
export async function writeEndpointFiles(dir: string, launched: LaunchedKubeApi, pid = process.pid): Promise<void> {
  const content: KubeApiEndpointFile = { ...launched.endpoint, pid, kubeconfigs: launched.kubeconfigs };
  const urlPath = join(dir, KUBE_API_URL_FILE);
  await writeFile(`${urlPath}.tmp`, `${launched.endpoint.url}\n`);
  await rename(`${urlPath}.tmp`, urlPath);
  const path = join(dir, KUBE_API_ENDPOINT_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Removes the endpoint and URL files (the daemon does so when it stops). */
export async function removeEndpointFiles(dir: string): Promise<void> {
  await rm(join(dir, KUBE_API_ENDPOINT_FILE), { force: true });
  await rm(join(dir, KUBE_API_URL_FILE), { force: true });
}

/**
 * Waits for a daemon's endpoint file to name `pid` (so a stale file from an earlier run is not
 * taken for the new daemon). Throws when the process exits first or the time runs out.
 */
export async function waitForEndpointFile(dir: string, pid: number, timeoutMs = 30_000): Promise<KubeApiEndpointFile> {
  const deadline = Date.now() + timeoutMs;
  const path = join(dir, KUBE_API_ENDPOINT_FILE);
  for (;;) {
    try {
      const file = JSON.parse(await readFile(path, 'utf8')) as KubeApiEndpointFile;
      if (file.pid === pid) return file;
    } catch {
      // Not written yet.
    }
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) throw new KubeApiLaunchError(`the lab API server (pid ${pid}) exited before it was ready; see its log`);
    if (Date.now() > deadline) throw new KubeApiLaunchError(`the lab API server (pid ${pid}) was not ready after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
