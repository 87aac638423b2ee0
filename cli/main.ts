import { readFileSync } from 'node:fs';
import type { DependencyContainer } from 'tsyringe';
import type { Subscription } from 'rxjs';
import { CniTraceError, InvalidArgumentError, NotFoundError, toCniTraceError, TraceTimeoutError } from '../core/errors.js';
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
import { parseRequestTimeout } from '../core/kube/request-timeout.js';
import type { Interrupt } from './process-interrupts.js';

/** Where the CLI writes, and what it knows of its environment (injectable for tests). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  /**
   * Registers a handler for the interrupts (Ctrl-C, SIGTERM, SIGHUP, a closed stdout), called at
   * once if one already came; returns a function that removes it.
   */
  onInterrupt?: (handler: (interrupt: Interrupt) => void) => () => void;
}

/** Exit codes of the CLI (interrupts: see {@link INTERRUPT_EXIT_CODES}). */
export const EXIT = { delivered: 0, notDelivered: 1, usage: 2, runtime: 3, interrupted: 130 } as const;

/**
 * The run's one deadline is the trace's `--timeout` plus this: the trace (detection, the CLI's
 * look-ups, the driver) must end {@link CLEANUP_RESERVE_MS} before it, and clean-up has the rest.
 */
const RUN_GRACE_MS = 20_000;
const CLEANUP_RESERVE_MS = 5_000;
/** Clean-up always gets at least this long, even when the deadline has passed. */
const MIN_CLEANUP_MS = 2_000;

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

/** An interrupt as the CLI reports it: its own exit code (130 Ctrl-C, 143, 129, 141). */
function interruptFailure(i: Interrupt, message: string): RunFailure {
  return { code: 'INTERRUPTED', message: `${message} (${i.kind})`, exitCode: i.exitCode, stderr: i.quiet ? '' : `cni-trace: ${message} (${i.kind})\n` };
}

/**
 * Reports an interrupt. A closed stdout (quiet) gets nothing: its reader is gone and stderr
 * usually goes with it.
 */
async function reportInterrupt(io: CliIo, output: RequestedOutput, i: Interrupt, message: string, partial?: PartialTraceResult): Promise<number> {
  const failure = interruptFailure(i, message);
  if (i.quiet) return failure.exitCode;
  return reportFailure(io, output, failure, partial);
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
  const t0 = performance.now();
  // Interrupts are handled from here on: one during the heavy imports or the look-ups below
  // still takes the cancel path.
  let interrupted: Interrupt | undefined;
  let cancel: (() => void) | undefined;
  const removeInterrupt = io.onInterrupt?.((i) => {
    interrupted ??= i;
    cancel?.();
  });
  try {
    return await runCliWithin(argv, io, drivers, t0, () => interrupted, (fn) => (cancel = fn));
  } finally {
    removeInterrupt?.();
  }
}

async function runCliWithin(
  argv: readonly string[],
  io: CliIo,
  drivers: DependencyContainer | (() => Promise<DependencyContainer>),
  t0: number,
  interruptedBy: () => Interrupt | undefined,
  onCancel: (fn: () => void) => void,
): Promise<number> {
  let inv: CliInvocation;
  let requestTimeoutMs: number | undefined;
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
    const rt = flags['request-timeout'];
    if (typeof rt === 'string') requestTimeoutMs = parseRequestTimeout(rt);
    // A provisional --traceflow request is validated once rebuilt from the Traceflow (by the tracer).
    if (!inv.existingTraceflow) validateTraceRequest(inv.request);
  } catch (err) {
    const e = toCniTraceError(err);
    const exitCode = e instanceof InvalidArgumentError ? EXIT.usage : e.exitCode;
    return reportFailure(io, output, { code: e.code, message: e.message, exitCode, stderr: `cni-trace: ${e.message}\nRun "cni-trace --help" for usage.\n` });
  }

  // One deadline for the whole run: the CLI's own look-ups, detection, the trace, clean-up.
  const exitBy = t0 + inv.request.timeoutSeconds * 1000 + RUN_GRACE_MS;
  const traceBy = exitBy - CLEANUP_RESERVE_MS;
  let phase = 'loading the drivers';
  let stop: ((err: Error | undefined) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => (stop = (err) => reject(err ?? new Error('interrupted'))));
  stopped.catch(() => undefined);
  // A little after the trace's own deadline, which can say more precisely what was unfinished.
  const deadline = setTimeout(() => stop?.(new TraceTimeoutError(`the run (${phase})`, Math.round((traceBy - t0) / 1000))), Math.max(0, traceBy + 500 - performance.now()));
  let cancelTrace: (() => void) | undefined;
  onCancel(() => {
    cancelTrace?.();
    stop?.(undefined);
  });

  // Heavy modules load only now: `--help` and usage errors stay fast. An interrupt while they
  // load ends the run at once: nothing was sent to the cluster yet.
  let modules;
  try {
    modules = await Promise.race([
      Promise.all([
        import('../formatters/index.js'),
        import('../core/tracer.js'),
        import('../core/cleanup-tracker.js'),
        import('../core/kube/kube-client.js'),
        import('../core/kube/kube-config-loader.js'),
      ]),
      stopped,
    ]);
  } catch (err) {
    clearTimeout(deadline);
    const interrupt = interruptedBy();
    if (interrupt) return reportInterrupt(io, output, interrupt, 'interrupted before anything was sent to the cluster');
    throw err;
  }
  const [formatters, { trace }, { CleanupTracker }, { KubeClient }, { loadKubeConfig }] = modules;
  const tracker = new CleanupTracker();
  let kube: InstanceType<typeof KubeClient> | undefined;
  // What the trace established before a failure, for the error document's partialResult.
  const partial: PartialTraceResult = { request: inv.request, legs: [], warnings: [] };
  const interruptedCode = (i: Interrupt): Promise<number> =>
    reportInterrupt(io, output, i, `interrupted${cleanedUp ? '; resources created by the trace were removed' : '; clean-up did not finish in time'}`, partial);
  let cleanedUp = true;
  const settle = async () => {
    cleanedUp = await tracker.settled(Math.max(MIN_CLEANUP_MS, Math.min(15_000, exitBy - performance.now())));
    for (const err of tracker.errors()) io.stderr(`cni-trace: warning: clean-up failed: ${(err as Error).message ?? String(err)}\n`);
    kube?.close();
  };

  try {
    if (interruptedBy()) throw new Error('interrupted');
    const container = await Promise.race([typeof drivers === 'function' ? drivers() : Promise.resolve(drivers), stopped]);
    const kubeOptions = { kubeconfig: inv.kubeconfig, context: inv.context, ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) };
    phase = 'resolving the destination';
    kube = inv.ambiguousDestination || inv.existingTraceflow ? new KubeClient(loadKubeConfig(kubeOptions)) : undefined;
    const request = await Promise.race([
      !kube
        ? Promise.resolve(inv.request)
        : inv.existingTraceflow
          ? import('./builtin-drivers.js').then((m) => m.requestForExistingTraceflow(kube!, inv.existingTraceflow!, inv.request))
          : resolveAmbiguousDestination(inv, kube),
      stopped,
    ]);
    phase = 'tracing';
    const renderer = inv.output === 'text' ? new formatters.TextStreamRenderer({ level: inv.logLevel, color: inv.color }) : undefined;

    const result = await new Promise<TraceResult | undefined>((resolve, reject) => {
      const subscription: Subscription = trace(request, {
        container,
        kube: kube ?? kubeOptions,
        logLevel: inv.logLevel,
        cleanup: tracker,
        deadlineAt: traceBy,
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
      cancelTrace = () => {
        subscription.unsubscribe();
        resolve(undefined);
      };
      stopped.catch((err: unknown) => {
        subscription.unsubscribe();
        reject(err);
      });
      if (interruptedBy()) cancelTrace();
    });

    await settle();
    const interrupt = interruptedBy();
    if (interrupt) return interruptedCode(interrupt);
    if (!result) {
      return await reportFailure(io, output, { code: 'NO_RESULT', message: 'the trace ended without a result', exitCode: EXIT.runtime, stderr: 'cni-trace: the trace ended without a result\n' }, partial);
    }
    if (inv.antctl && (inv.output === 'yaml' || inv.output === 'json')) io.stdout(formatters.formatAntctl(result, inv.output));
    else if (inv.output !== 'text') io.stdout(formatters.formatResult(result, { output: inv.output, level: inv.logLevel, color: false }));
    // The answer stands, but what the trace created may still be in the cluster (e.g. a
    // Traceflow it may not delete): not a clean run, whatever the verdict.
    const cleanupErrors = tracker.errors();
    if (cleanupErrors.length > 0) {
      io.stderr(`cni-trace: the trace answered, but its clean-up failed (see above): delete what it created by hand, or ask for the permission named there [CLEANUP_FAILED]\n`);
      return EXIT.runtime;
    }
    return resultIsSuccess(result) ? EXIT.delivered : EXIT.notDelivered;
  } catch (err) {
    // Whatever failed, what the trace started is cleaned up before the process says so and exits.
    cancelTrace?.();
    await settle();
    const interrupt = interruptedBy();
    if (interrupt) return interruptedCode(interrupt);
    return await reportFailure(io, output, runtimeFailure(err), partial);
  } finally {
    clearTimeout(deadline);
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
