/**
 * Pure parsers for the OVN tools the OVN-Kubernetes driver runs: `ovn-trace` (with the verdict
 * helper) and `ovn-detrace`. `ofproto/trace` is parsed by `drivers/ovs-common`.
 */
export { parseOvnTrace } from './ovn-trace-parser.js';
export { checkExpectedOutput, reachedExpectedOutput } from './ovn-trace-verdict.js';
export type { ExpectedOvnOutput, OvnTraceOutputCheck } from './ovn-trace-verdict.js';
export { parseOvnDetrace } from './ovn-detrace-parser.js';
export type {
  OvnTrace,
  OvnTraceAclLog,
  OvnTraceAclLogRef,
  OvnTraceActionNode,
  OvnTraceCommentNode,
  OvnTraceDropLeaf,
  OvnTraceError,
  OvnTraceErrorNode,
  OvnTraceFormat,
  OvnTraceLeafReason,
  OvnTraceLogNode,
  OvnTraceLoadBalancing,
  OvnTraceNat,
  OvnTraceNode,
  OvnTraceOpenFlowNode,
  OvnTraceOutput,
  OvnTraceOutputNode,
  OvnTraceParseOptions,
  OvnTracePipelineNode,
  OvnTracePipelineRef,
  OvnTraceSection,
  OvnTraceTableNode,
  OvnTraceTableRef,
  OvnTraceTransformationNode,
} from './ovn-trace-types.js';
export type {
  DetraceAclHint,
  DetraceChassisRecord,
  DetraceDatapath,
  DetraceFlow,
  DetraceHint,
  DetraceLoadBalancerRecord,
  DetraceLogicalFlowRecord,
  DetraceMacBindingRecord,
  DetraceMulticastGroupRecord,
  DetraceOtherHint,
  DetraceOvsInterfaceRecord,
  DetracePortBindingRecord,
  DetraceRecord,
  DetraceUnknownRecord,
  OvnDetrace,
  OvnDetraceParseOptions,
} from './ovn-detrace-types.js';
