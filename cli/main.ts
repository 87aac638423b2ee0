import { readFileSync } from 'node:fs';
import type { DependencyContainer } from 'tsyringe';
import type { Subscription } from 'rxjs';
import { CniTraceError, InvalidArgumentError, NotFoundError, toCniTraceError } from '../core/errors.js';
import type { TraceEvent } from '../core/events.js';
import type { KubeClient } from '../core/kube/kube-client.js';
import type { TraceRequest, TraceResult } from '../core/model.js';
import { validateTraceRequest } from '../core/validate-request.js';
import { isSuccess } from '../core/verdict.js';
import type { PartialTraceResult } from '../formatters/error-formatter.js';
import { parseCliArgs } from './argv-parser.js';
import { requestedOutput, type RequestedOutput } from './requested-output.js';
import { helpText } from './help-text.js';
import { invocationFromFlags, type CliInvocation } from './request-from-flags.js';

/** Where the CLI writes, and what it knows of its environment (injectable for tests). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  /** Registers a handler for Ctrl-C / SIGTERM; returns a function that removes it. */
  onInterrupt?: (handler: () => void) => () => void;
}

/** Exit codes of the CLI. */
export const EXIT = { delivered: 0, notDelivered: 1, usage: 2, runtime: 3, interrupted: 130 } as const;

/** Whether a result counts as success: delivered, or left the cluster towards an external IP. */
export function resultIsSuccess(result: TraceResult): boolean {
  if (result.verdict === 'left-cluster') return result.request.destination.kind === 'ip';
  return isSuccess(result.verdict);
}

function version(): string {
  // dist/cli/main.js → the package root, in the repository and in an installed package alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * `--version`: the package version, the Node.js running it, and the drivers registered in the
 * container with what each drives (built-in drivers ship in this package, so their version is
 * the package's), so a bug report says everything that decides the answer.
 */
async function versionText(drivers: DependencyContainer | (() => Promise<DependencyContainer>)): Promise<string> {
  const container = typeof drivers === 'function' ? await drivers() : drivers;
  const { TRACE_DRIVER } = await import('../core/driver.js');
  const list = container.isRegistered(TRACE_DRIVER, true) ? container.resolveAll(TRACE_DRIVER) : [];
  const pkgVersion = version();
  const width = Math.max(0, ...list.map((d) => d.id.length));
  const lines = [`cni-trace ${pkgVersion}`, `node ${process.version} (${process.platform} ${process.arch})`, list.length > 0 ? 'drivers:' : 'drivers: none registered'];
  for (const d of list) {
    const aliases = d.aliases && d.aliases.length > 0 ? ` (--cni ${[d.id, ...d.aliases].join('|')})` : ` (--cni ${d.id})`;
    lines.push(`  ${d.id.padEnd(width)}  ${pkgVersion}  ${d.description}${aliases}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Resolves antctl's `-D ns/name` to a pod or a Service the way antctl does (a pod wins), but
 * also checks the Service so a typo is reported as "neither".
 */
async function resolveAmbiguousDestination(inv: CliInvocation, kube: KubeClient): Promise<TraceRequest> {
  const amb = inv.ambiguousDestination;
  if (!amb) return inv.request;
  const { namespace, name } = amb;
  const pod = await kube.callOptional({ verb: 'get', resource: 'pods', namespace, name }, () => kube.core.readNamespacedPod({ namespace, name }));
  if (pod) return inv.request;
  const svc = await kube.callOptional({ verb: 'get', resource: 'services', namespace, name }, () => kube.core.readNamespacedService({ namespace, name }));
  if (!svc) throw new NotFoundError('pod or service', name, namespace, 'check -D/--destination');
  return { ...inv.request, destination: { kind: 'service', namespace, name } };
}

/** A failure of the whole run, before it is written (see {@link reportFailure}). */
interface RunFailure {
  code: string;
  message: string;
  exitCode: number;
  /** The human line(s) for stderr. */
  stderr: string;
}

/**
 * The one place every failure of the CLI goes through (bad usage, runtime error, interrupt): the
 * human message on stderr and, when a machine format was asked for, the error document on stdout,
 * so a script or CI job never reads an empty report. Returns the exit code.
 */
async function reportFailure(io: CliIo, output: RequestedOutput, failure: RunFailure, partial?: PartialTraceResult): Promise<number> {
  io.stderr(failure.stderr);
  if (output !== 'text') {
    // Loaded only here: a text-mode usage error stays as fast as before.
    const { formatTraceError, traceErrorReport } = await import('../formatters/error-formatter.js');
    io.stdout(formatTraceError(traceErrorReport(failure, partial), output));
  }
  return failure.exitCode;
}

/** A runtime failure (exit 3, or the error's own exit code) as the CLI reports it. */
function runtimeFailure(err: unknown): RunFailure {
  const e = toCniTraceError(err);
  const known = e instanceof CniTraceError && e.code !== 'INTERNAL';
  return { code: e.code, message: e.message, exitCode: e.exitCode, stderr: `cni-trace: ${known ? `${e.message} [${e.code}]` : `internal error: ${e.message}`}\n` };
}

/** The interrupt (Ctrl-C, SIGTERM) as the CLI reports it: exit 130. */
function interruptFailure(cleanedUp: boolean | undefined): RunFailure {
  const message = `interrupted${cleanedUp === undefined ? '' : cleanedUp ? '; resources created by the trace were removed' : '; clean-up did not finish in time'}`;
  return { code: 'INTERRUPTED', message, exitCode: EXIT.interrupted, stderr: `cni-trace: ${message}\n` };
}

/**
 * Runs the `cni-trace` command line and returns the exit code. Drivers come from the given
 * tsyringe container, or from a factory called only once the arguments are valid (so `--help`
 * and usage errors load neither the drivers nor the Kubernetes client).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  drivers: DependencyContainer | (() => Promise<DependencyContainer>),
): Promise<number> {
  let inv: CliInvocation;
  // Known before the flags are valid, so a usage error is also reported in the asked-for format.
  let output: RequestedOutput = requestedOutput(argv);
  try {
    const flags = parseCliArgs(argv);
    if (flags.help === true) {
      io.stdout(helpText());
      return EXIT.delivered;
    }
    if (flags.version === true) {
      io.stdout(await versionText(drivers));
      return EXIT.delivered;
    }
    inv = invocationFromFlags(flags, io.env, io.isTty);
    output = inv.output;
    // A provisional --traceflow request is validated once rebuilt from the Traceflow (by the tracer).
    if (!inv.existingTraceflow) validateTraceRequest(inv.request);
  } catch (err) {
    const e = toCniTraceError(err);
    const exitCode = e instanceof InvalidArgumentError ? EXIT.usage : e.exitCode;
    return reportFailure(io, output, { code: e.code, message: e.message, exitCode, stderr: `cni-trace: ${e.message}\nRun "cni-trace --help" for usage.\n` });
  }

  // Heavy modules load only now: `--help` and usage errors stay fast.
  const [formatters, { trace }, { CleanupTracker }, { KubeClient }, { loadKubeConfig }] = await Promise.all([
    import('../formatters/index.js'),
    import('../core/tracer.js'),
    import('../core/cleanup-tracker.js'),
    import('../core/kube/kube-client.js'),
    import('../core/kube/kube-config-loader.js'),
  ]);
  const tracker = new CleanupTracker();
  let interrupted = false;
  let cancel: (() => void) | undefined;
  const removeInterrupt = io.onInterrupt?.(() => {
    interrupted = true;
    cancel?.();
  });
  // What the trace established before a failure, for the error document's partialResult.
  const partial: PartialTraceResult = { request: inv.request, legs: [], warnings: [] };

  try {
    const container = typeof drivers === 'function' ? await drivers() : drivers;
    const kube = inv.ambiguousDestination || inv.existingTraceflow ? new KubeClient(loadKubeConfig({ kubeconfig: inv.kubeconfig, context: inv.context })) : undefined;
    const request = !kube
      ? inv.request
      : inv.existingTraceflow
        ? await (await import('./builtin-drivers.js')).requestForExistingTraceflow(kube, inv.existingTraceflow, inv.request)
        : await resolveAmbiguousDestination(inv, kube);
    const renderer = inv.output === 'text' ? new formatters.TextStreamRenderer({ level: inv.logLevel, color: inv.color }) : undefined;

    const result = await new Promise<TraceResult | undefined>((resolve, reject) => {
      const subscription: Subscription = trace(request, {
        container,
        kube: kube ?? { kubeconfig: inv.kubeconfig, context: inv.context },
        logLevel: inv.logLevel,
        cleanup: tracker,
      }).subscribe({
        next: (event: TraceEvent) => {
          collectPartial(partial, event);
          if (renderer) {
            for (const line of renderer.push(event)) io.stdout(`${line}\n`);
          } else if (event.type === 'log' && event.level <= inv.logLevel) {
            io.stderr(`${event.message}\n`);
          }
          if (event.type === 'finished') resolve(event.result);
        },
        error: reject,
        complete: () => resolve(undefined),
      });
      // An unsubscribed stream never completes, so the interrupt settles the promise itself;
      // unsubscribing starts the driver's clean-up, which the tracker waits for below.
      cancel = () => {
        subscription.unsubscribe();
        resolve(undefined);
      };
      if (interrupted) cancel();
    });

    const cleanedUp = await tracker.settled(15_000);
    for (const err of tracker.errors()) io.stderr(`cni-trace: warning: clean-up failed: ${(err as Error).message ?? String(err)}\n`);
    if (interrupted || !result) return await reportFailure(io, output, interruptFailure(cleanedUp), partial);
    if (inv.antctl && (inv.output === 'yaml' || inv.output === 'json')) io.stdout(formatters.formatAntctl(result, inv.output));
    else if (inv.output !== 'text') io.stdout(formatters.formatResult(result, { output: inv.output, level: inv.logLevel, color: false }));
    return resultIsSuccess(result) ? EXIT.delivered : EXIT.notDelivered;
  } catch (err) {
    await tracker.settled(15_000);
    return await reportFailure(io, output, interrupted ? interruptFailure(undefined) : runtimeFailure(err), partial);
  } finally {
    removeInterrupt?.();
  }
}

/** Adds what one event tells about the trace to the partial result. */
function collectPartial(partial: PartialTraceResult, event: TraceEvent): void {
  switch (event.type) {
    case 'started':
      partial.request = event.request;
      break;
    case 'resolved':
      partial.cni = event.cni;
      if (event.source) partial.source = event.source;
      if (event.destination) partial.destination = event.destination;
      break;
    case 'leg-finished':
      partial.legs.push(event.leg);
      break;
    case 'log':
      if (event.warning) partial.warnings.push(event.message);
      break;
    default:
      break;
  }
}
