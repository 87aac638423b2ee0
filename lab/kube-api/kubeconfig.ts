/**
 * Kubeconfig files for the lab cluster: cluster `cni-trace-lab`, token users `admin` and
 * `restricted`, contexts `lab` and `lab-restricted`. One file per user (current context differs)
 * so tests and the CLI can pick a user with `--kubeconfig` alone.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeApiEndpoint } from './kube-api-server.js';

/** Cluster name in the kubeconfig. */
export const LAB_CLUSTER = 'cni-trace-lab';

/** A user entry and the context that uses it. */
export interface KubeconfigUser {
  name: string;
  token: string;
  /** Context name. Default: `lab` for `admin`, `lab-<name>` otherwise. */
  context?: string;
}

/** Context name of a user. */
export function contextName(user: KubeconfigUser): string {
  return user.context ?? (user.name === 'admin' ? 'lab' : `lab-${user.name}`);
}

/** Kubeconfig YAML with every user and context; `currentUser` selects the current context. */
export function renderKubeconfig(endpoint: KubeApiEndpoint, users: KubeconfigUser[], currentUser: string): string {
  const current = users.find((u) => u.name === currentUser) ?? users[0];
  const cluster: Record<string, unknown> = { server: endpoint.url };
  if (endpoint.caData) cluster['certificate-authority-data'] = endpoint.caData;
  // client-node refuses http:// unless TLS verification is explicitly skipped.
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: LAB_CLUSTER, cluster }],
    users: users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: users.map((u) => ({ name: contextName(u), context: { cluster: LAB_CLUSTER, user: u.name } })),
    'current-context': current ? contextName(current) : '',
    preferences: {},
  });
}

/** File name of a user's kubeconfig: `kubeconfig` for admin, `kubeconfig-<user>` otherwise. */
export function kubeconfigFileName(user: string): string {
  return user === 'admin' ? 'kubeconfig' : `kubeconfig-${user}`;
}

/**
 * Writes one kubeconfig per user into `dir` (mode 0600, atomically) and returns the paths by user
 * name, e.g. `{admin: <dir>/kubeconfig, restricted: <dir>/kubeconfig-restricted}`.
 */
export async function writeKubeconfigs(dir: string, endpoint: KubeApiEndpoint, users: KubeconfigUser[]): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const u of users) {
    const path = join(dir, kubeconfigFileName(u.name));
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, renderKubeconfig(endpoint, users, u.name), { mode: 0o600 });
    await rename(tmp, path);
    paths[u.name] = path;
  }
  return paths;
}
