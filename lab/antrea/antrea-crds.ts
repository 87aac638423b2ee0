/**
 * Pure: Antrea's CustomResourceDefinitions the lab serves (Traceflow `crd.antrea.io` v1beta1 +
 * v1alpha1, Antrea-native NetworkPolicy v1beta1) and the scenario's Antrea-native policies as
 * objects. The Traceflow schema follows build/charts/antrea/crds/traceflow.yaml, so the lab's API
 * server rejects and prunes exactly what a real apiserver would (reference §2.1).
 */
import { antreaRuleName } from './rule-name.js';
import type { KubeObject } from '../kube-api/kube-object.js';
import type { OpenApiSchema } from '../kube-api/resource-registry.js';
import type { Scenario } from '../scenario/scenario-types.js';

/** API group of Antrea's CRDs. */
export const ANTREA_CRD_GROUP = 'crd.antrea.io';
/** Hook key of the Traceflow resource (`traceflows.crd.antrea.io`). */
export const TRACEFLOW_RESOURCE = `traceflows.${ANTREA_CRD_GROUP}`;

const int = (minimum?: number, maximum?: number): OpenApiSchema => ({ type: 'integer', ...(minimum !== undefined ? { minimum } : {}), ...(maximum !== undefined ? { maximum } : {}) });
const str: OpenApiSchema = { type: 'string' };
const ipString: OpenApiSchema = { type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] };

function packetSchema(strict: boolean, withCaptured: boolean): OpenApiSchema {
  const r = (min: number, max: number) => (strict ? int(min, max) : int());
  return {
    type: 'object',
    properties: {
      ...(withCaptured ? { srcIP: ipString, dstIP: ipString, length: int() } : {}),
      ipHeader: { type: 'object', properties: { protocol: r(0, 255), ttl: r(0, 255), flags: r(0, 7), ...(strict ? {} : { srcIP: ipString }) } },
      ipv6Header: { type: 'object', properties: { nextHeader: r(0, 65535), hopLimit: r(0, 65535), ...(strict ? {} : { srcIP: ipString }) } },
      transportHeader: {
        type: 'object',
        properties: {
          icmp: { type: 'object', properties: { id: r(0, 65535), sequence: r(0, 65535) } },
          udp: { type: 'object', properties: { srcPort: r(1, 65535), dstPort: r(1, 65535) } },
          tcp: { type: 'object', properties: { srcPort: r(1, 65535), dstPort: r(1, 65535), flags: r(0, 255) } },
        },
      },
    },
  };
}

/** The OpenAPI schema of one Traceflow version (`strict`: v1beta1 integer bounds; v1alpha1 has formats only). */
export function traceflowSchema(strict: boolean): OpenApiSchema {
  const observation: OpenApiSchema = {
    type: 'object',
    properties: {
      component: str,
      componentInfo: str,
      action: str,
      pod: str,
      dstMAC: str,
      networkPolicy: str,
      networkPolicyRule: str,
      egress: str,
      ttl: strict ? int(0, 255) : int(),
      translatedSrcIP: str,
      translatedDstIP: str,
      tunnelDstIP: str,
      egressIP: str,
      egressNode: str,
      srcPodIP: str,
    },
  };
  return {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: str,
      kind: str,
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          source: { type: 'object', properties: { namespace: str, pod: str, ip: ipString } },
          destination: { type: 'object', properties: { namespace: str, pod: str, service: str, ip: ipString } },
          packet: packetSchema(strict, false),
          liveTraffic: { type: 'boolean' },
          droppedOnly: { type: 'boolean' },
          timeout: strict ? int(1, 300) : int(),
        },
      },
      status: {
        type: 'object',
        properties: {
          phase: str,
          reason: str,
          startTime: { type: 'string', format: 'date-time' },
          dataplaneTag: int(),
          results: {
            type: 'array',
            items: { type: 'object', properties: { node: str, role: str, timestamp: int(), observations: { type: 'array', items: observation } } },
          },
          capturedPacket: packetSchema(strict, true),
        },
      },
    },
  };
}

const printerColumns = [
  { jsonPath: '.status.phase', name: 'Phase', type: 'string', description: 'The phase of the Traceflow.' },
  { jsonPath: '.spec.source.pod', name: 'Source-Pod', type: 'string', priority: 10 },
  { jsonPath: '.spec.destination.pod', name: 'Destination-Pod', type: 'string', priority: 10 },
  { jsonPath: '.spec.destination.ip', name: 'Destination-IP', type: 'string', priority: 10 },
  { jsonPath: '.spec.liveTraffic', name: 'Live-Traffic', type: 'boolean', priority: 10 },
  { jsonPath: '.spec.droppedOnly', name: 'Dropped-Only', type: 'boolean', priority: 10 },
  { jsonPath: '.spec.timeout', name: 'Timeout', type: 'integer', priority: 10 },
  { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
];

/** `traceflows.crd.antrea.io`: cluster-scoped, v1beta1 served+storage, v1alpha1 served, status subresource. */
export function traceflowCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: TRACEFLOW_RESOURCE, labels: { app: 'antrea' } },
    spec: {
      group: ANTREA_CRD_GROUP,
      scope: 'Cluster',
      names: { plural: 'traceflows', singular: 'traceflow', kind: 'Traceflow', listKind: 'TraceflowList', shortNames: ['tf'] },
      versions: [
        { name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: traceflowSchema(true) }, subresources: { status: {} }, additionalPrinterColumns: printerColumns },
        // Deprecated since v1.13, removed in v2.0; still served by the lab so old clients can be tested.
        { name: 'v1alpha1', served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: traceflowSchema(false) }, subresources: { status: {} }, additionalPrinterColumns: printerColumns },
      ],
    },
  };
}

/** `networkpolicies.crd.antrea.io` (Antrea-native namespaced policy, short name `anp`). */
export function antreaNetworkPolicyCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `networkpolicies.${ANTREA_CRD_GROUP}`, labels: { app: 'antrea' } },
    spec: {
      group: ANTREA_CRD_GROUP,
      scope: 'Namespaced',
      names: { plural: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', shortNames: ['annp', 'anp'] },
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** The scenario's Antrea-native policies as `crd.antrea.io/v1beta1` NetworkPolicy objects, realized. */
export function antreaPolicyObjects(scenario: Scenario, ts: string, uid: (seed: string) => string): KubeObject[] {
  const nodes = scenario.nodes.length;
  return (scenario.antreaNetworkPolicies ?? []).map((np) => ({
    apiVersion: `${ANTREA_CRD_GROUP}/v1beta1`,
    kind: 'NetworkPolicy',
    metadata: { name: np.name, namespace: np.namespace, uid: uid(`AntreaNetworkPolicy/${np.namespace}/${np.name}`), creationTimestamp: ts, generation: 1 },
    // As antrea-controller's mutating webhook: default tier, generated names for unnamed rules.
    spec: {
      tier: np.spec.tier ?? 'application',
      ...structuredClone(np.spec),
      ...(np.spec.ingress ? { ingress: np.spec.ingress.map((r) => ({ ...structuredClone(r), name: antreaRuleName('Ingress', r) })) } : {}),
      ...(np.spec.egress ? { egress: np.spec.egress.map((r) => ({ ...structuredClone(r), name: antreaRuleName('Egress', r) })) } : {}),
    },
    status: { phase: 'Realized', observedGeneration: 1, currentNodesRealized: nodes, desiredNodesRealized: nodes },
  }));
}
