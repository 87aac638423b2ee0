import { Observable } from 'rxjs';
import type { ClusterContext, DriverDetection, TraceContext, TraceDriver } from '../../core/driver.js';
import type { DriverEvent } from '../../core/events.js';
import type { Leg, TraceRequest, Verdict } from '../../core/model.js';

/** A test driver whose detection answer and leg verdicts are set by the test. */
export class ScriptedDriver implements TraceDriver {
  readonly description = 'scripted test driver';
  detectCalls = 0;

  constructor(
    readonly id: string,
    private readonly applies: boolean,
    private readonly verdicts: Verdict[] = ['delivered'],
    readonly aliases: string[] = [],
  ) {}

  async detect(_cluster: ClusterContext): Promise<DriverDetection> {
    this.detectCalls++;
    return { applies: this.applies, reason: this.applies ? `${this.id} pods found` : `no ${this.id} pods` };
  }

  trace(request: TraceRequest, _context: TraceContext): Observable<DriverEvent> {
    return new Observable<DriverEvent>((sub) => {
      sub.next({ type: 'resolved', cni: this.id, destination: { ref: request.destination } });
      this.verdicts.forEach((verdict, i) => {
        const leg: Leg = {
          id: `leg-${i}`,
          tool: 'scripted',
          direction: 'forward',
          description: `leg ${i}`,
          verdict,
          decisive: true,
          observations: [{ stage: 'stage', action: verdict === 'delivered' ? 'delivered' : 'dropped', terminal: verdict !== 'delivered' }],
          durationMs: 1,
        };
        if (verdict === 'dropped') leg.drop = { type: 'rule', policy: { kind: 'NetworkPolicy', namespace: 'ns', name: 'deny' }, explanation: 'denied by ns/deny' };
        sub.next({ type: 'leg-started', legId: leg.id, tool: leg.tool, direction: leg.direction, description: leg.description });
        sub.next({ type: 'leg-finished', leg });
      });
      sub.complete();
    });
  }
}
