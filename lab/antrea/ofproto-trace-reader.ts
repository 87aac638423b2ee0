/**
 * Pure: reads `ovs-appctl ofproto/trace` text (OVS 3.1) into the sequence of table visits across
 * all recirculations, with each visit's actions, and the packet's final fields. The lab's
 * Traceflow agent maps these to Antrea observations.
 */

/** One visited flow: `N. <match>, priority P, cookie C` and the actions printed under it. */
export interface TraceStep {
  table: number;
  match: string;
  priority: number;
  cookie?: string;
  actions: string[];
  /** `-> output port is N` under this step. */
  outputPort?: number;
}

/** A parsed trace. */
export interface ParsedTrace {
  steps: TraceStep[];
  /** Fields of the packet at the end (last `Flow:` / `Final flow:` that was not "unchanged"). */
  finalFields: Record<string, string>;
  /** Last `Datapath actions:` line. */
  datapathActions: string;
}

const STEP = /^\s*(\d+)\.\s+(.*?),?\s*priority (\d+)(?:, cookie (0x[0-9a-f]+))?\s*$/;

/**
 * Parses trace output. Each action line belongs to the flow it is indented under: nested
 * resubmits and group buckets (`bucket N`, deeper lines) are followed by indentation, so the
 * actions after a nested flow's own actions go back to the flow that holds the resubmit or group.
 */
export function parseOfprotoTrace(text: string): ParsedTrace {
  const steps: TraceStep[] = [];
  // Open flows, innermost last, with the column their actions are printed at (once seen).
  const open: Array<{ step: TraceStep; start: number; actionCol?: number }> = [];
  let flow = '';
  let datapathActions = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const col = line.length - line.trimStart().length;
    const m = STEP.exec(line);
    if (m) {
      while (open.length > 0 && open.at(-1)!.actionCol !== undefined && open.at(-1)!.actionCol! > col) open.pop();
      const step: TraceStep = { table: Number(m[1]), match: m[2]!.replace(/,$/, ''), priority: Number(m[3]), ...(m[4] ? { cookie: m[4] } : {}), actions: [] };
      steps.push(step);
      open.push({ step, start: col });
      continue;
    }
    const t = line.trim();
    if (t.startsWith('Flow: ')) {
      flow = t.slice(6);
      open.length = 0;
    } else if (t.startsWith('Final flow: ')) {
      if (t !== 'Final flow: unchanged') flow = t.slice(12);
      open.length = 0;
    } else if (t.startsWith('Datapath actions: ')) datapathActions = t.slice(18);
    else if (t !== '' && open.length > 0) {
      while (open.length > 1 && open.at(-1)!.actionCol !== undefined && open.at(-1)!.actionCol! > col) open.pop();
      const top = open.at(-1)!;
      if (top.actionCol === undefined && col > top.start) top.actionCol = col;
      const out = /^-> output port is (\d+)/.exec(t);
      if (out) top.step.outputPort = Number(out[1]);
      else if (!t.startsWith('->') && !/^(thaw|Resuming from table|bucket \d+)/.test(t)) top.step.actions.push(t);
    }
  }
  return { steps, finalFields: parseFlowFields(flow), datapathActions };
}

/** `tcp,reg0=0x3,nw_src=1.2.3.4` → {tcp: '', reg0: '0x3', nw_src: '1.2.3.4'}. */
export function parseFlowFields(flow: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of flow.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out[part] = '';
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The last value an action `set_field:<v>-><field>` wrote in the trace, if any. */
export function lastSetField(trace: ParsedTrace, field: string): string | undefined {
  let v: string | undefined;
  const re = new RegExp(`^set_field:([^/]+?)(?:/[^-]+)?->${field}$`);
  for (const s of trace.steps) for (const a of s.actions) {
    const m = re.exec(a);
    if (m) v = m[1];
  }
  return v;
}
