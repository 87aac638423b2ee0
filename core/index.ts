/**
 * cni-trace library entry: the normalized trace model, the observation stream, the driver
 * contract and registry, command runners and Kubernetes access. Drivers live in
 * `cni-trace/drivers/*`, renderers in `cni-trace/formatters`.
 */
import 'reflect-metadata';

export type * from './model.js';
export type * from './events.js';
export * from './errors.js';
export { TRACE_DRIVER } from './driver.js';
export type { TraceDriver, DriverDetection, ClusterContext, TraceContext } from './driver.js';
export { DriverRegistry, type DetectedDriver } from './driver-registry.js';
export { CleanupTracker } from './cleanup-tracker.js';
export { trace, traceToResult, type TraceOptions } from './tracer.js';
export { traceAll, DEFAULT_TRACE_CONCURRENCY, type TraceAllOptions, type TraceOutcome } from './trace-all.js';
export { TraceScope } from './trace-scope.js';
export { createTraceRequest, TCP_SYN, DEFAULT_TTL, DEFAULT_TIMEOUT_SECONDS, type TraceRequestInput } from './request-defaults.js';
export { validateTraceRequest, checkNamespace, checkObjectName, checkIpAddress } from './validate-request.js';
export { isMacAddress, isIpAddress, isIpPrefix, isIpAddressOrPrefix, isOvnName, isOfport, requireMac, requireIp, requireIpPrefix, requireOvnName } from './cluster-values.js';
export { podAddresses, requirePodAddress, requireServiceAddress } from './endpoint-address.js';
export { combineLegVerdicts, isSuccess, type CombinedVerdict } from './verdict.js';
export type { CommandRunner, CommandSpec, CommandOutput } from './runner/command-runner.js';
export { LocalCommandRunner, type LocalCommandRunnerOptions } from './runner/local-command-runner.js';
export { PodExecRunner, exitCodeFromStatus, type PodExecTarget } from './runner/pod-exec-runner.js';
export { ShellSessionRunner, type ShellSessionRunnerOptions } from './runner/shell-session-runner.js';
export { KubeClient, podIpOfFamily, translateApiError } from './kube/kube-client.js';
export { loadKubeConfig, type KubeConfigOptions } from './kube/kube-config-loader.js';
export { selectorMatches } from './policy/label-selector-match.js';
export { isolatingPolicies, defaultDenyExplanation } from './policy/isolating-policies.js';
export { endpointLabel } from './endpoint-label.js';
