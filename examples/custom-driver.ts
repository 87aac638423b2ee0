/**
 * Example: embed cni-trace and register your own driver without touching the core.
 *
 * The driver below ("host-route") answers "where would this host send a packet for IP X?" by
 * running the real `ip -j route get X` and reporting the route as one leg. It shows the whole
 * driver contract: detect, validate, trace as a stream of events, cancellation through the
 * context's signal.
 *
 * Run it (after `npm run build`):  node dist/examples/custom-driver.js 192.0.2.10
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { Observable } from 'rxjs';
import { container } from 'tsyringe';
import {
  InvalidArgumentError,
  LocalCommandRunner,
  TRACE_DRIVER,
  createTraceRequest,
  trace,
  type ClusterContext,
  type DriverDetection,
  type DriverEvent,
  type Leg,
  type TraceContext,
  type TraceDriver,
  type TraceRequest,
  type TraceResult,
} from '../core/index.js';

/** One route from `ip -j route get`. */
interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
}

/** A driver that traces a destination IP through this host's routing table. */
export class HostRouteDriver implements TraceDriver {
  readonly id = 'host-route';
  readonly description = "this host's routing table (ip route get)";
  private readonly runner = new LocalCommandRunner();

  async detect(_cluster: ClusterContext): Promise<DriverDetection> {
    // Not a CNI: it only runs when chosen explicitly (--cni host-route / request.cni).
    return { applies: false, reason: 'selected only with cni: host-route' };
  }

  validate(request: TraceRequest): void {
    if (request.destination.kind !== 'ip') throw new InvalidArgumentError('dst-ip', 'the host-route driver traces to an IP address only');
  }

  trace(request: TraceRequest, context: TraceContext): Observable<DriverEvent> {
    return new Observable<DriverEvent>((subscriber) => {
      const dst = (request.destination as { ip: string }).ip;
      const legId = 'route-forward';
      subscriber.next({ type: 'resolved', cni: this.id, destination: { ref: request.destination, ip: dst } });
      subscriber.next({ type: 'leg-started', legId, tool: 'ip route', direction: 'forward', description: 'host to destination', node: 'localhost' });
      const argv = ['ip', '-j', 'route', 'get', dst];
      this.runner
        .run({ argv, timeoutMs: request.timeoutSeconds * 1000, signal: context.signal })
        .then((out) => {
          context.log(5, `ran ${argv.join(' ')} in ${out.durationMs.toFixed(1)} ms`);
          const leg: Leg = {
            id: legId,
            tool: 'ip route',
            direction: 'forward',
            node: 'localhost',
            description: 'host to destination',
            from: 'localhost',
            to: dst,
            decisive: true,
            verdict: 'error',
            observations: [],
            command: { argv, target: out.target, exitCode: out.exitCode, durationMs: out.durationMs },
            rawOutput: out.stdout + out.stderr,
            durationMs: out.durationMs,
          };
          if (out.exitCode !== 0) {
            // e.g. "RTNETLINK answers: Network is unreachable": the kernel would drop it.
            leg.verdict = 'dropped';
            leg.reason = out.stderr.trim() || `ip exited with ${out.exitCode}`;
            leg.drop = { type: 'other', explanation: leg.reason };
            leg.observations.push({ node: 'localhost', stage: 'routing', action: 'dropped', terminal: true, description: leg.reason });
          } else {
            const route = (JSON.parse(out.stdout) as IpRoute[])[0];
            const local = route?.type === 'local';
            leg.verdict = local ? 'delivered' : 'left-cluster';
            leg.reason = local ? `${dst} is local (dev ${route?.dev})` : `via ${route?.gateway ?? 'direct'} dev ${route?.dev}`;
            const observation = {
              node: 'localhost',
              stage: 'routing',
              action: local ? 'delivered' : 'forwarded',
              ...(route?.dev ? { port: route.dev } : {}),
              description: leg.reason,
              detail: { ...route },
            };
            leg.observations.push(observation);
            subscriber.next({ type: 'observation', legId, observation });
          }
          subscriber.next({ type: 'leg-finished', leg });
          subscriber.complete();
        })
        .catch((err) => subscriber.error(err));
    });
  }
}

/** Registers the driver in a container and traces one IP; resolves with the result. */
export async function runExample(ip: string): Promise<TraceResult> {
  const child = container.createChildContainer();
  child.register(TRACE_DRIVER, { useClass: HostRouteDriver });
  const request = createTraceRequest({ destination: { kind: 'ip', ip }, packet: { protocol: 'icmp' }, cni: 'host-route', mode: 'live' });
  return new Promise((resolve, reject) => {
    trace(request, { container: child }).subscribe({
      next: (event) => {
        if (event.type === 'observation') console.log(`observed: ${event.observation.stage} ${event.observation.action} ${event.observation.description ?? ''}`);
        if (event.type === 'finished') resolve(event.result);
      },
      error: reject,
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runExample(process.argv[2] ?? '127.0.0.1');
  console.log(`verdict: ${result.verdict} (${result.reason})`);
}
