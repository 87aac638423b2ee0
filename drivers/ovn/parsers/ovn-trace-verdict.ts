/**
 * Verdict helper for ovn-trace: did the traced packet reach the expected terminal
 * `/* output to "<port>", type "<type>" *\/`? The answer comes only from the outputs found in the
 * trace tree, never from searching the text for "drop", which also appears in harmless branches
 * (multicast flood copies, ARP requests) and is absent from ACL drops (`ct_commit { ct_mark.blocked = 1; };`).
 */
import type { OvnTrace, OvnTraceDropLeaf, OvnTraceError, OvnTraceOutput } from './ovn-trace-types.js';

/** The delivery a trace is expected to end with. */
export interface ExpectedOvnOutput {
  /** Logical port name (`<ns>_<pod>`, `tstor-<node>`, `k8s-<node>`, ...). */
  port: string;
  /** Port type (`""` for a VIF, `remote`, `localnet`, ...). Ignored for minimal-format outputs, which carry no type. */
  type?: string;
  /** Also accept outputs of packets ovn-trace generated (ARP requests, ICMP errors, resets). Default false. */
  includeGenerated?: boolean;
}

/** The outcome of checking a trace against an expected output. */
export interface OvnTraceOutputCheck {
  reached: boolean;
  /** The first output matching the expectation. */
  output?: OvnTraceOutput;
  /** Outputs of the traced packet to other ports that end there (not patch hops), for explaining a miss. */
  otherOutputs: OvnTraceOutput[];
  /** Branches that ended without output (the traced packet's and, for context, generated ones). */
  dropLeaves: OvnTraceDropLeaf[];
  /** Tool errors (parse errors, unknown port/datapath, `***` lines, aborts). */
  errors: OvnTraceError[];
}

function matches(output: OvnTraceOutput, expected: ExpectedOvnOutput): boolean {
  if (output.port !== expected.port) return false;
  if (output.generated && !expected.includeGenerated) return false;
  return expected.type === undefined || output.type === undefined || output.type === expected.type;
}

/** Checks whether `trace` reached `expected`; see {@link OvnTraceOutputCheck}. */
export function checkExpectedOutput(trace: OvnTrace, expected: ExpectedOvnOutput): OvnTraceOutputCheck {
  const output = trace.outputs.find((o) => matches(o, expected));
  const hardErrors = trace.errors.filter((e) => e.kind !== 'trace-error');
  const check: OvnTraceOutputCheck = {
    reached: output !== undefined && hardErrors.length === 0,
    otherOutputs: trace.outputs.filter((o) => o !== output && !o.generated && !o.continues && o.port !== expected.port),
    dropLeaves: trace.dropLeaves,
    errors: trace.errors,
  };
  if (output) check.output = output;
  return check;
}

/** Shorthand for `checkExpectedOutput(trace, expected).reached`. */
export function reachedExpectedOutput(trace: OvnTrace, expected: ExpectedOvnOutput): boolean {
  return checkExpectedOutput(trace, expected).reached;
}
