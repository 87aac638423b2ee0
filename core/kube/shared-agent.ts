/**
 * One HTTPS agent per cluster, user and TLS settings for everything a KubeConfig connects:
 * client-node builds a new agent for every API call and every exec, so each one opens a new TLS
 * connection with a new TLS context (the CA parsed again, a full handshake). With one agent, API
 * calls re-use kept-alive connections and execs resume TLS sessions over one parsed context.
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

type AgentOptions = Record<string, unknown>;

/** The agents each KubeConfig handed out, so a finished process can close their sockets. */
const agentsOf = new WeakMap<KubeConfig, Map<string, { destroy(): void }>>();

/**
 * Closes every socket of the agents `kc` handed out: idle kept-alive ones, and those of requests
 * still waiting for an answer (a server that accepted and never answered), which would otherwise
 * keep the process alive. Calls made afterwards open new connections.
 */
export function destroySharedAgents(kc: KubeConfig): void {
  const agents = agentsOf.get(kc);
  if (!agents) return;
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** The TLS material and settings client-node passes to createAgent, as one cache key. */
function agentKey(cluster: Cluster, user: string | undefined, options: AgentOptions): string {
  const h = createHash('sha256');
  h.update(`${cluster.name}\0${cluster.server}\0${user ?? ''}\0`);
  for (const [k, v] of Object.entries(options).sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined) continue;
    h.update(`${k}=`);
    h.update(Buffer.isBuffer(v) ? v : typeof v === 'string' ? v : JSON.stringify(v));
    h.update('\0');
  }
  return h.digest('hex');
}

/**
 * Makes `kc` hand out shared keep-alive agents (direct HTTPS only: proxies and plain HTTP keep
 * client-node's own agents). Idle kept-alive sockets do not keep the process alive, and Node
 * drops them before the server's advertised keep-alive timeout. Returns `kc`.
 */
export function shareAgents(kc: KubeConfig): KubeConfig {
  // createAgent is private in client-node's typings, but it is where every agent is made.
  const target = kc as unknown as { createAgent?: (cluster: Cluster | null, options: AgentOptions) => unknown };
  if (typeof target.createAgent !== 'function') return kc;
  const create = target.createAgent.bind(kc);
  const agents = new Map<string, { destroy(): void }>();
  agentsOf.set(kc, agents);
  let others = 0;
  target.createAgent = (cluster, options) => {
    if (!cluster || cluster.proxyUrl || !cluster.server.startsWith('https:')) {
      // Not shared (proxies, plain HTTP), but closed with the others at the end.
      const agent = create(cluster, options) as { destroy?(): void } | undefined;
      if (agent && typeof agent.destroy === 'function') agents.set(`other:${others++}`, agent as { destroy(): void });
      return agent;
    }
    const opts = options as AgentOptions;
    const key = agentKey(cluster, kc.getCurrentUser()?.name, opts);
    let agent = agents.get(key) as Agent | undefined;
    if (!agent) {
      // One parsed TLS context for every connection (tls.connect would build one per socket).
      const secureContext = createSecureContext({
        ...(opts.ca ? { ca: opts.ca as string } : {}),
        ...(opts.cert ? { cert: opts.cert as string } : {}),
        ...(opts.key ? { key: opts.key as string } : {}),
        ...(opts.pfx ? { pfx: opts.pfx as string } : {}),
        ...(opts.passphrase ? { passphrase: opts.passphrase as string } : {}),
      });
      agent = new Agent({ ...opts, secureContext, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}
