import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError } from '../errors.js';
import { applyRequestTimeout, DEFAULT_REQUEST_TIMEOUT_MS } from './request-timeout.js';
import { shareAgents } from './shared-agent.js';

/** Where to find cluster credentials. */
export interface KubeConfigOptions {
  /** Explicit kubeconfig path (`--kubeconfig`). */
  kubeconfig?: string;
  /** Context to use instead of the current one (`--context`). */
  context?: string;
  /** Longest one API request may take, in ms (`--request-timeout`); 0: none. Default 30 s. */
  requestTimeoutMs?: number;
}

/**
 * Loads a kubeconfig the way kubectl does: `--kubeconfig`, else `$KUBECONFIG` (a path list), else
 * `~/.kube/config`, else the in-cluster service account; then applies `--context`.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) {
      if (!existsSync(options.kubeconfig)) throw new KubeconfigError(`kubeconfig file "${options.kubeconfig}" does not exist; check --kubeconfig`);
      kc.loadFromFile(options.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    throw new KubeconfigError(`cannot load kubeconfig: ${(err as Error).message}; pass --kubeconfig or set KUBECONFIG`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new KubeconfigError(`context "${options.context}" is not in the kubeconfig (contexts: ${known}); check --context`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeconfigError('no cluster in the kubeconfig; pass --kubeconfig, set KUBECONFIG or run inside a cluster');
  }
  return applyRequestTimeout(shareAgents(kc), options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
}
