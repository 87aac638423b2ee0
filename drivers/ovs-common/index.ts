/**
 * OVS knowledge shared by the OVS-based drivers (OVN-Kubernetes and Antrea): parsing
 * `ofproto/trace` and `ovs-ofctl dump-table-features` output, classifying datapath actions and
 * normalising OpenFlow cookies.
 */
export { parseOfprotoTrace } from './ofproto-trace-parser.js';
export { classifyDatapathActions, describeDatapathActions } from './datapath-actions.js';
export { linkControllers, openFlowControllers, parseOpenFlowController } from './controller-actions.js';
export { DEFAULT_TRACE_TTL, ofprotoTraceArgv, ofprotoTraceFlow } from './ofproto-flow.js';
export type { OfprotoFlowPacket, OfprotoTraceArgvOptions } from './ofproto-flow.js';
export { parseTableFeatures } from './table-features-parser.js';
export { normalizeCookie } from './cookie.js';
export type { NormalizedCookie } from './cookie.js';
export { TraceLayout, layoutColumn } from './trace-layout.js';
export type { TracePlacement } from './trace-layout.js';
export { splitTopLevel, findClosing, readBracketed } from './balanced-text.js';
export type {
  ControllerPurpose,
  ControllerUserdataDecoder,
  DatapathActionsSummary,
  DatapathBranch,
  DatapathControllerAction,
  OpenFlowControllerAction,
  PacketLengthCheck,
  DatapathOutcome,
  GeneveOption,
  OfprotoNodeKind,
  OfprotoNote,
  OfprotoRecirculation,
  OfprotoTableVisit,
  OfprotoTrace,
  OfprotoTraceBlock,
  OfprotoTraceNode,
  OfprotoTraceParseOptions,
  OfprotoTraceSummary,
  TunnelInfo,
} from './ofproto-trace-types.js';
