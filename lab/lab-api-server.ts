/**
 * Adapter between the lab lifecycle and the emulated Kubernetes API (`lab/kube-api/`): builds the
 * cluster objects for the scenario, starts the server in this process or as a detached daemon
 * (pid file, log, endpoint file as ready signal), and returns the kubeconfig paths.
 */
import type { KubeApiServer } from './kube-api/kube-api-server.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBE_API_CONFIG_FILE, launchKubeApi, waitForEndpointFile, type KubeApiLaunchConfig } from './kube-api/lab-kube-api.js';
import { buildClusterObjects } from './kube-api/scenario-objects.js';
import { createNodeExecResolver, nodeExecWrapMap } from './ovn/node-exec-environment.js';
import type { OvnClusterRuntime } from './ovn/ovn-runtime-types.js';
import { ANTREA_CONFIG_KEY, attachAntreaControlPlane } from './antrea/antrea-control-plane.js';
import { antreaExecWrapMap, createAntreaExecResolver } from './antrea/antrea-exec-environment.js';
import type { AntreaClusterRuntime } from './antrea/antrea-runtime-types.js';
import type { AntreaControlPlaneConfig } from './antrea/traceflow-controller.js';
import { spawnDetached, stopProcess, type ManagedProcess } from './process/process-control.js';
import type { Scenario } from './scenario/scenario-types.js';

/** A started API server. */
export interface LabApiServer {
  url: string;
  kubeconfigPath: string;
  restrictedKubeconfigPath: string;
  /** The daemon process (daemon mode only). */
  process?: ManagedProcess;
  /** The server itself (in-process mode only). */
  server?: KubeApiServer;
  /** Stops an in-process server (no-op for a daemon: it is stopped by pid with the rest). */
  stop(): Promise<void>;
}

/** What the API server needs to know about the lab. */
export interface LabApiContext {
  scenario: Scenario;
  /** The OVN data plane (ovn-kubernetes flavour). */
  cluster?: OvnClusterRuntime;
  /** The Antrea data plane (antrea flavour). */
  antrea?: AntreaClusterRuntime;
  stateDir: string;
  runDir: string;
}

/** The API server's configuration for a lab (objects, users' denies, exec mapping). */
export function labApiConfig(ctx: LabApiContext): KubeApiLaunchConfig & { [ANTREA_CONFIG_KEY]?: AntreaControlPlaneConfig } {
  return {
    // The nodes' l3-gateway-config says the scenario's gateway mode (default shared).
    objects: buildClusterObjects(ctx.scenario),
    restrictedUserDenies: ctx.scenario.restrictedUserDenies ?? ['create pods/exec'],
    exec: ctx.antrea ? antreaExecWrapMap(ctx.antrea.nodes) : nodeExecWrapMap(ctx.cluster?.nodes ?? []),
    ...(ctx.antrea ? { [ANTREA_CONFIG_KEY]: antreaControlPlaneConfig(ctx.scenario, ctx.antrea) } : {}),
  };
}

/** What the in-lab Antrea controller needs (plain data, so the API daemon can receive it). */
export function antreaControlPlaneConfig(scenario: Scenario, antrea: AntreaClusterRuntime): AntreaControlPlaneConfig {
  return {
    scenario,
    nodes: antrea.nodes.map((n) => ({ name: n.name, nodeIP: n.nodeIP, podSubnet: n.podSubnet, gatewayIP: n.gatewayIP, gatewayMac: n.gatewayMac, ovsRunDir: n.ovsRunDir, ports: n.ports })),
  };
}

/** Starts the lab's Kubernetes API in the requested mode. */
export async function startLabApiServer(mode: 'in-process' | 'daemon', ctx: LabApiContext): Promise<LabApiServer> {
  const config = labApiConfig(ctx);
  if (mode === 'in-process') {
    const execResolver = ctx.antrea ? createAntreaExecResolver(ctx.antrea.nodes) : createNodeExecResolver(ctx.cluster?.nodes ?? []);
    const launched = await launchKubeApi(config, ctx.stateDir, { execResolver });
    const antreaConfig = config[ANTREA_CONFIG_KEY];
    const antrea = antreaConfig ? attachAntreaControlPlane(launched.server, antreaConfig) : undefined;
    return {
      url: launched.endpoint.url,
      kubeconfigPath: launched.kubeconfigs.admin!,
      restrictedKubeconfigPath: launched.kubeconfigs.restricted!,
      server: launched.server,
      stop: async () => {
        await antrea?.stop();
        await launched.server.stop();
      },
    };
  }
  writeFileSync(join(ctx.stateDir, KUBE_API_CONFIG_FILE), `${JSON.stringify(config)}\n`);
  const serve = fileURLToPath(new URL('./kube-api/serve.js', import.meta.url));
  const proc = spawnDetached({
    name: 'kube-api-server',
    argv: [process.execPath, serve, '--state', ctx.stateDir],
    pidFile: join(ctx.stateDir, 'kube-api.pid'),
    logFile: join(ctx.stateDir, 'kube-api.log'),
  });
  try {
    const endpoint = await waitForEndpointFile(ctx.stateDir, proc.pid);
    return {
      url: endpoint.url,
      kubeconfigPath: endpoint.kubeconfigs.admin!,
      restrictedKubeconfigPath: endpoint.kubeconfigs.restricted!,
      process: proc,
      stop: async () => {},
    };
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
}
