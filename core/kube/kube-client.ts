import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1NetworkPolicy,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { ClusterError, ForbiddenError, NotFoundError } from '../errors.js';
import type { AddressFamily } from '../model.js';
import { tlsFailure } from './tls-failure.js';
import { isAbortError, RequestTimeoutError, requestTimeoutOf } from './request-timeout.js';
import { destroySharedAgents } from './shared-agent.js';

/** Describes one API call, so a failure can name the verb, resource and object. */
export interface CallInfo {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/**
 * Kubernetes look-ups shared by the core and the drivers, with errors translated into
 * cni-trace errors: 404 names the missing object, 403 names the missing permission.
 */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly networking: NetworkingV1Api;
  readonly custom: CustomObjectsApi;

  constructor(readonly config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.discovery = config.makeApiClient(DiscoveryV1Api);
    this.networking = config.makeApiClient(NetworkingV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  /** The API server URL of the current context (for messages). */
  get server(): string | undefined {
    return this.config.getCurrentCluster()?.server;
  }

  /** The request timeout every API call of this client has, in ms (0: none). */
  get requestTimeoutMs(): number {
    return requestTimeoutOf(this.config);
  }

  /**
   * Closes the client's connections, including those of requests still waiting for an answer,
   * so nothing it opened keeps the process alive. The client can still be used (it reconnects).
   */
  close(): void {
    destroySharedAgents(this.config);
  }

  /** Runs an API call and translates its failure. */
  async call<T>(info: CallInfo, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateApiError(err, info, this.requestTimeoutMs, this.server);
    }
  }

  /** Like {@link call}, but a 404 yields `undefined`. */
  async callOptional<T>(info: CallInfo, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw translateApiError(err, info, this.requestTimeoutMs, this.server);
    }
  }

  getPod(namespace: string, name: string): Promise<V1Pod> {
    return this.call({ verb: 'get', resource: 'pods', namespace, name }, () => this.core.readNamespacedPod({ namespace, name }));
  }

  getService(namespace: string, name: string): Promise<V1Service> {
    return this.call({ verb: 'get', resource: 'services', namespace, name }, () => this.core.readNamespacedService({ namespace, name }));
  }

  getNode(name: string): Promise<V1Node> {
    return this.call({ verb: 'get', resource: 'nodes', name }, () => this.core.readNode({ name }));
  }

  /** Checks that a namespace exists (so a missing pod's error can say which part is missing). */
  async namespaceExists(name: string): Promise<boolean> {
    const ns = await this.callOptional({ verb: 'get', resource: 'namespaces', name }, () => this.core.readNamespace({ name }));
    return ns !== undefined;
  }

  /** Lists pods in one namespace, or in all namespaces when `namespace` is undefined. */
  async listPods(opts: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Promise<V1Pod[]> {
    const { namespace, labelSelector, fieldSelector } = opts;
    const list = await this.call({ verb: 'list', resource: 'pods', namespace }, () =>
      namespace
        ? this.core.listNamespacedPod({ namespace, labelSelector, fieldSelector })
        : this.core.listPodForAllNamespaces({ labelSelector, fieldSelector }),
    );
    return list.items;
  }

  async listEndpointSlices(namespace: string, service: string): Promise<V1EndpointSlice[]> {
    const list = await this.call({ verb: 'list', resource: 'endpointslices.discovery.k8s.io', namespace }, () =>
      this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }),
    );
    return list.items;
  }

  async listNetworkPolicies(namespace?: string): Promise<V1NetworkPolicy[]> {
    const list = await this.call({ verb: 'list', resource: 'networkpolicies.networking.k8s.io', namespace }, () =>
      namespace ? this.networking.listNamespacedNetworkPolicy({ namespace }) : this.networking.listNetworkPolicyForAllNamespaces(),
    );
    return list.items;
  }

  /**
   * Reads a pod and reports a missing pod or namespace precisely (exit 2 with its name), before
   * anything is created in the cluster.
   */
  async requirePod(namespace: string, name: string): Promise<V1Pod> {
    const pod = await this.callOptional({ verb: 'get', resource: 'pods', namespace, name }, () => this.core.readNamespacedPod({ namespace, name }));
    if (pod) return pod;
    if (!(await this.namespaceExists(namespace))) throw new NotFoundError('namespace', namespace, undefined, `pod ${namespace}/${name} cannot exist`);
    throw new NotFoundError('pod', name, namespace);
  }

  /** Reads a Service, reporting a missing Service or namespace precisely. */
  async requireService(namespace: string, name: string): Promise<V1Service> {
    const svc = await this.callOptional({ verb: 'get', resource: 'services', namespace, name }, () =>
      this.core.readNamespacedService({ namespace, name }),
    );
    if (svc) return svc;
    if (!(await this.namespaceExists(namespace))) throw new NotFoundError('namespace', namespace, undefined, `service ${namespace}/${name} cannot exist`);
    throw new NotFoundError('service', name, namespace);
  }
}

/** The pod's IP of the given family from `status.podIPs` (falling back to `status.podIP`). */
export function podIpOfFamily(pod: V1Pod, family: AddressFamily): string | undefined {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  return ips.find((ip) => (family === 'ip6' ? ip.includes(':') : !ip.includes(':')));
}

/**
 * Translates a client-node failure into a cni-trace error. `requestTimeoutMs`: the timeout the
 * call had (an aborted request is that timeout: cni-trace gives API calls no other signal);
 * `server`: the URL, for TLS failures.
 */
export function translateApiError(err: unknown, info: CallInfo, requestTimeoutMs = 0, server?: string): Error {
  const tls = tlsFailure(err, server);
  if (tls) return tls;
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    const message = body?.message ?? `HTTP ${err.code}`;
    if (err.code === 404) return new NotFoundError(singular(info.resource), info.name ?? '(unnamed)', info.namespace);
    if (err.code === 403) return new ForbiddenError(info.verb, info.resource, info.namespace, message);
    if (err.code === 401) return new ClusterError(`the API server rejected the credentials (401): ${message}; refresh your kubeconfig`);
    return new ClusterError(`${info.verb} ${info.resource}${info.name ? ` "${info.name}"` : ''} failed (HTTP ${err.code}): ${message}`, { cause: err });
  }
  if (isAbortError(err) && requestTimeoutMs > 0) {
    return new RequestTimeoutError(`${info.verb} ${info.resource}${info.name ? ` "${info.namespace ? `${info.namespace}/` : ''}${info.name}"` : info.namespace ? ` in namespace "${info.namespace}"` : ''}`, requestTimeoutMs);
  }
  const message = (err as Error)?.message ?? String(err);
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|fetch failed|closed the connection/i.test(message)) {
    return new ClusterError(`cannot reach the Kubernetes API server (${message}); check the kubeconfig and that the cluster is up`, { cause: err });
  }
  return err instanceof Error ? err : new ClusterError(message);
}

function parseBody(body: unknown): { message?: string; reason?: string } | undefined {
  if (!body) return undefined;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string };
    } catch {
      return { message: body };
    }
  }
  return body as { message?: string };
}

function singular(resource: string): string {
  const base = resource.split('.')[0] ?? resource;
  if (base === 'endpointslices') return 'endpointslice';
  if (base === 'networkpolicies') return 'networkpolicy';
  return base.endsWith('s') ? base.slice(0, -1) : base;
}
