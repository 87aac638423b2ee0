/**
 * The Antrea driver (`cni-trace/drivers/antrea-ovs`). Register it with
 * {@link registerAntreaDriver} in the container given to `trace()`. The pure pieces (Traceflow
 * spec builder, normalization, antctl rendering's input) are exported for reuse and tests.
 */
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { TRACE_DRIVER } from '../../core/driver.js';
import { ANTREA_DRIVER_OPTIONS, AntreaDriver, type AntreaDriverOptions } from './antrea-driver.js';

export { AntreaDriver, ANTREA_DRIVER_OPTIONS, type AntreaDriverOptions } from './antrea-driver.js';
export type { TraceflowRunOptions } from './traceflow-run.js';
export type { OvsDetailOptions } from './ovs-detail/ovs-detail-run.js';
export * from './traceflow/traceflow-types.js';
export { buildTraceflow, traceflowSpec, traceflowName, validateTraceflowRequest, CREATED_BY_LABEL, CREATED_BY_VALUE } from './traceflow/traceflow-spec.js';
export { evaluateTraceflow, nodeReportLeg, type EvaluationContext, type TraceflowOutcome } from './traceflow/traceflow-evaluation.js';
export { normalizeObservation, normalizeAction, parsePolicyRef, orderReports } from './traceflow/observation-normalize.js';
export { TraceflowClient, TraceflowRejectedError, TraceflowUnavailableError, servedTraceflowVersion } from './traceflow/traceflow-client.js';
export { requestFromTraceflow } from './traceflow/request-from-traceflow.js';
export { checkTraceflowObject, TraceflowDataError } from './traceflow/traceflow-shape.js';

/** Registers the Antrea driver (and its options) in a tsyringe container. */
export function registerAntreaDriver(container: DependencyContainer, options: AntreaDriverOptions = {}): void {
  container.register(ANTREA_DRIVER_OPTIONS, { useValue: options });
  container.register(TRACE_DRIVER, { useClass: AntreaDriver });
}
