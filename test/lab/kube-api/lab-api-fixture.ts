/**
 * Test fixture: starts a lab API server, writes its kubeconfigs to a temporary directory and loads
 * them into real @kubernetes/client-node KubeConfig objects (admin and restricted user).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiServer, type KubeApiServerOptions } from '../../../lab/kube-api/kube-api-server.js';
import { writeKubeconfigs } from '../../../lab/kube-api/kubeconfig.js';

/** A running server with client configurations. */
export interface LabApi {
  server: KubeApiServer;
  dir: string;
  url: string;
  paths: Record<string, string>;
  /** Admin user. */
  kc: KubeConfig;
  /** `restricted` user. */
  kcRestricted: KubeConfig;
  stop(): Promise<void>;
}

/** Starts a server and loads its kubeconfigs. */
export async function startLabApi(options: KubeApiServerOptions = {}): Promise<LabApi> {
  const server = new KubeApiServer(options);
  const dir = await mkdtemp(join(tmpdir(), 'cni-trace-kube-api-test-'));
  try {
    const endpoint = await server.start();
    const paths = await writeKubeconfigs(dir, endpoint, server.users);
    const kc = new KubeConfig();
    kc.loadFromFile(paths.admin!);
    const kcRestricted = new KubeConfig();
    kcRestricted.loadFromFile(paths.restricted!);
    return {
      server,
      dir,
      url: endpoint.url,
      paths,
      kc,
      kcRestricted,
      stop: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Parses an ApiException body (client-node keeps it as text). */
export function statusBody(err: unknown): Record<string, any> {
  const body = (err as { body?: unknown }).body;
  return typeof body === 'string' ? JSON.parse(body) : (body as Record<string, any>);
}
