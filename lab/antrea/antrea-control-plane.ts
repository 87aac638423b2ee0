/**
 * Attaches the lab's Antrea control plane to a running lab API server: the
 * `traceflowvalidator.antrea.io` webhook and the Traceflow controller (antrea-controller + agents).
 * Used wherever the API server runs: in the lab process and in the API server daemon.
 */
import type { KubeApiServer } from '../kube-api/kube-api-server.js';
import { TRACEFLOW_RESOURCE } from './antrea-crds.js';
import { TraceflowController, type AntreaControlPlaneConfig, type NodeTracer } from './traceflow-controller.js';
import { traceflowWebhook } from './traceflow-webhook.js';

/** A running control plane. */
export interface AntreaControlPlane {
  controller: TraceflowController;
  /** Stops the controller (waits for traces in flight) and removes the webhook. */
  stop(): Promise<void>;
}

/** The launch-configuration key carrying {@link AntreaControlPlaneConfig} for the daemon. */
export const ANTREA_CONFIG_KEY = 'antrea';

/** Registers the webhook and starts the controller on `server`'s store. */
export function attachAntreaControlPlane(server: KubeApiServer, config: AntreaControlPlaneConfig, opts: { tracer?: NodeTracer; log?: (m: string) => void } = {}): AntreaControlPlane {
  const unregister = server.registerValidator(TRACEFLOW_RESOURCE, traceflowWebhook(server.store));
  const controller = new TraceflowController(server.store, config, opts.tracer, opts.log);
  controller.start();
  return {
    controller,
    stop: async () => {
      await controller.stop();
      unregister();
    },
  };
}
