/**
 * Daemon entry of the lab API server: `node dist/lab/kube-api/serve.js --state <dir> [--config <file>]`.
 * Reads `<dir>/kube-api-config.json` (or `--config`), serves until SIGTERM/SIGINT, and writes
 * `<dir>/kubeconfig`, `<dir>/kubeconfig-<user>`, `<dir>/kube-api.url` and, last, as the ready
 * signal, `<dir>/kube-api-endpoint.json` (`{url, caData, pid, kubeconfigs}`). On exit the endpoint
 * and URL files are removed and running exec processes are killed.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KUBE_API_CONFIG_FILE, launchKubeApi, readLaunchConfig, removeEndpointFiles, writeEndpointFiles } from './lab-kube-api.js';
import { ANTREA_CONFIG_KEY, attachAntreaControlPlane } from '../antrea/antrea-control-plane.js';
import type { AntreaControlPlaneConfig } from '../antrea/traceflow-controller.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { state: { type: 'string' }, config: { type: 'string' } }, strict: true });
  if (!values.state) {
    process.stderr.write('usage: serve.js --state <dir> [--config <file>]\n');
    process.exit(2);
  }
  const dir = resolve(values.state);
  const config = await readLaunchConfig(values.config ? resolve(values.config) : join(dir, KUBE_API_CONFIG_FILE));
  const launched = await launchKubeApi(config, dir, {
    onRequest: (r) => process.stdout.write(`${new Date().toISOString()} ${r.user ?? '-'} ${r.method} ${r.path} ${r.verb ?? ''} ${r.status}\n`),
  });
  // The Antrea flavour's controller and webhook run where the API server runs.
  const antreaConfig = (config as unknown as Record<string, AntreaControlPlaneConfig | undefined>)[ANTREA_CONFIG_KEY];
  const antrea = antreaConfig ? attachAntreaControlPlane(launched.server, antreaConfig, { log: (m) => process.stdout.write(`${new Date().toISOString()} antrea: ${m}\n`) }) : undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${new Date().toISOString()} ${signal}: stopping\n`);
    await removeEndpointFiles(dir).catch(() => undefined);
    await antrea?.stop().catch(() => undefined);
    await launched.server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await writeEndpointFiles(dir, launched);
  process.stdout.write(`${new Date().toISOString()} serving ${launched.endpoint.url} (pid ${process.pid})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`lab API server: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
