/**
 * A seeded generator of random lab scenarios for differential testing: namespaces with labels,
 * pods on several nodes (dual-stack where the flavour supports it), Services with numeric and
 * named targetPorts, NetworkPolicies (ingress/egress, pod/namespace selectors and their AND,
 * ipBlock with except, port ranges, named ports, several policies on one pod) and, for Antrea,
 * Antrea-native policies (tiers, priorities, Allow/Drop/Reject/Pass). The same seed and feature
 * set always give the same scenario (its own PRNG, no Math.random).
 *
 * What it produces is bounded by a {@link GeneratorFeatures} object per flavour, set to what the
 * lab on this branch models today — so a mismatch is a finding, not a lab gap. Widen the toggles
 * as the lab learns more (see each toggle's note).
 */
import type { Scenario, ScenarioAntreaNetworkPolicy, ScenarioNetworkPolicy, ScenarioPod, ScenarioService, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, AntreaPolicyRule } from '../../lab/scenario/scenario-types.js';

/** What the generator may use; one object per flavour. */
export interface GeneratorFeatures {
  flavour: 'ovn-kubernetes' | 'antrea';
  /** Node count range. */
  nodes: [number, number];
  /** Pod count range. */
  pods: [number, number];
  /** IPv6 addresses on nodes, pods and Services. The Antrea lab is IPv4-only. */
  dualStack: boolean;
  /** Named ports in NetworkPolicy rules (and per-pod container port numbers that differ). */
  namedPortsInPolicies: boolean;
  /** Named Service targetPorts. */
  namedTargetPorts: boolean;
  /** `ipBlock.except` (K8s NetworkPolicies and ANNP ipBlock peers). */
  ipBlockExcept: boolean;
  /**
   * An ipBlock `/32` equal to a pod IP (for Antrea: the same OVS match as the pod's selector flow
   * when another rule selects that pod; the lab merges the conjunctions as the agent does).
   */
  podHostIpBlocks: boolean;
  /**
   * A port-less (or named-port) entry beside a numbered entry of the same protocol in one rule
   * (ovn-kubernetes then matches only the numbers: OVN_KUBERNETES_PROFILE.portlessEntryLostBesideNumbers).
   */
  portlessBesideNumbered: boolean;
  /** ANNP rules with their own appliedTo (every rule, no spec.appliedTo), as the Antrea lab accepts. */
  ruleAppliedTo: boolean;
  /** `endPort` ranges. */
  portRanges: boolean;
  /** matchExpressions in selectors. */
  matchExpressions: boolean;
  /** Antrea-native namespaced policies (ANNP). */
  antreaPolicies: boolean;
  /** Tiers the ANNPs may use (`undefined` entry: no tier field = application). */
  antreaTiers: Array<string | undefined>;
  /** ANNP rule actions. */
  antreaActions: Array<'Allow' | 'Drop' | 'Reject' | 'Pass'>;
}

/** What the OVN lab on this branch accepts and models faithfully today. */
export const OVN_FEATURES: GeneratorFeatures = {
  flavour: 'ovn-kubernetes',
  nodes: [2, 3],
  pods: [4, 6],
  dualStack: true,
  namedPortsInPolicies: true,
  namedTargetPorts: true,
  ipBlockExcept: true,
  podHostIpBlocks: true,
  portlessBesideNumbered: true,
  ruleAppliedTo: false,
  portRanges: true,
  matchExpressions: true,
  antreaPolicies: false,
  antreaTiers: [],
  antreaActions: [],
};

/**
 * What the Antrea lab accepts and models (lab/README.md, Antrea section): ipBlock.except, /32
 * pod blocks (merged conjunctions), named ports resolved per pod, the baseline tier below K8s
 * isolation, rule-level appliedTo (pod selectors), Service named targetPorts (AntreaProxy). No
 * IPv6: the Antrea lab is IPv4-only.
 */
export const ANTREA_FEATURES: GeneratorFeatures = {
  flavour: 'antrea',
  nodes: [2, 3],
  pods: [4, 6],
  dualStack: false,
  namedPortsInPolicies: true,
  namedTargetPorts: true,
  ipBlockExcept: true,
  podHostIpBlocks: true,
  portlessBesideNumbered: true,
  ruleAppliedTo: true,
  portRanges: true,
  matchExpressions: true,
  antreaPolicies: true,
  antreaTiers: ['emergency', 'securityops', 'application', undefined, 'baseline'],
  antreaActions: ['Allow', 'Drop', 'Reject', 'Pass'],
};

/** Features by flavour name. */
export const FEATURES_BY_FLAVOUR: Record<'ovn' | 'antrea', GeneratorFeatures> = { ovn: OVN_FEATURES, antrea: ANTREA_FEATURES };

/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence everywhere. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

const NAMESPACES = ['alpha', 'beta', 'gamma'];
const APPS = ['web', 'db', 'api', 'cache'];
const ROLES = ['front', 'back'];
/** Ports the policies and the traces use, so rules and traced packets meet often. */
export const TCP_PORTS = [80, 443, 5432, 8080, 8081, 9090];
export const UDP_PORTS = [53, 5353];

/** Generates the scenario of `seed` under `features`. */
export function generateScenario(seed: number, features: GeneratorFeatures): Scenario {
  const rnd = new SeededRandom(seed);
  const antrea = features.flavour === 'antrea';
  const nodeCount = rnd.int(features.nodes[0], features.nodes[1]);
  const v4Base = antrea ? '10.10' : '10.244';
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    name: `${antrea ? 'antrea' : 'ovn'}-worker${i === 0 ? '' : i + 1}`,
    podSubnet: `${v4Base}.${i + 1}.0/24`,
    ...(features.dualStack ? { podSubnetV6: `fd00:10:244:${i + 1}::/64` } : {}),
    nodeIP: `172.18.0.${i + 2}`,
  }));

  const nsCount = rnd.int(2, NAMESPACES.length);
  const namespaces = NAMESPACES.slice(0, nsCount).map((name) => ({ name, labels: { team: rnd.pick(['red', 'blue']), ...(rnd.chance(0.5) ? { env: rnd.pick(['prod', 'dev']) } : {}) } }));

  const podCount = rnd.int(features.pods[0], features.pods[1]);
  const hostCounter = new Map<string, number>();
  const pods: ScenarioPod[] = [];
  for (let i = 0; i < podCount; i++) {
    // The first pods cover every namespace, so each has at least one pod.
    const ns = i < namespaces.length ? namespaces[i]!.name : rnd.pick(namespaces).name;
    const nodeIndex = rnd.int(0, nodeCount - 1);
    const node = nodes[nodeIndex]!;
    const host = (hostCounter.get(node.name) ?? 9) + 1;
    hostCounter.set(node.name, host);
    const app = rnd.pick(APPS);
    const ports: NonNullable<ScenarioPod['ports']> = [];
    if (rnd.chance(0.7)) ports.push({ name: 'http', containerPort: features.namedPortsInPolicies ? rnd.pick([8080, 8081]) : 8080, protocol: 'TCP' });
    if (rnd.chance(0.4)) ports.push({ name: 'dns', containerPort: 5353, protocol: 'UDP' });
    if (rnd.chance(0.3)) ports.push({ name: 'metrics', containerPort: 9090, protocol: 'TCP' });
    pods.push({
      name: `${app}-${i}`,
      namespace: ns,
      node: node.name,
      labels: { app, ...(rnd.chance(0.6) ? { role: rnd.pick(ROLES) } : {}) },
      ip: `${v4Base}.${nodeIndex + 1}.${host}`,
      ...(features.dualStack ? { ipv6: `fd00:10:244:${nodeIndex + 1}::${host.toString(16)}` } : {}),
      ...(ports.length ? { ports } : {}),
    });
  }

  const services = generateServices(rnd, pods, features);
  const ctx: PolicyContext = { rnd, features, pods, namespaces, nodes };
  const policyCount = rnd.int(1, 4);
  const networkPolicies: ScenarioNetworkPolicy[] = [];
  for (let i = 0; i < policyCount; i++) networkPolicies.push(generateNetworkPolicy(ctx, `np-${i}`));
  const scenario: Scenario = {
    name: `fuzz-${features.flavour === 'antrea' ? 'antrea' : 'ovn'}-${seed}`,
    flavour: features.flavour,
    ...(antrea ? {} : { ovn: { mode: rnd.chance(0.8) ? ('interconnect' as const) : ('central' as const) } }),
    nodes,
    namespaces,
    pods,
    ...(services.length ? { services } : {}),
    networkPolicies,
  };
  if (features.antreaPolicies) {
    const count = rnd.int(0, 3);
    const priorities = rnd.shuffle(Array.from({ length: count }, (_, i) => i + 1));
    const anps: ScenarioAntreaNetworkPolicy[] = [];
    for (let i = 0; i < count; i++) anps.push(generateAntreaPolicy(ctx, `anp-${i}`, priorities[i]! * 5));
    if (anps.length) scenario.antreaNetworkPolicies = anps;
  }
  return scenario;
}

interface PolicyContext {
  rnd: SeededRandom;
  features: GeneratorFeatures;
  pods: ScenarioPod[];
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  nodes: Array<{ podSubnet: string; podSubnetV6?: string }>;
}

function generateServices(rnd: SeededRandom, pods: ScenarioPod[], features: GeneratorFeatures): ScenarioService[] {
  const services: ScenarioService[] = [];
  const byKey = new Map<string, ScenarioPod[]>();
  for (const p of pods) {
    const key = `${p.namespace}/${p.labels!.app}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  const keys = rnd.shuffle([...byKey.keys()]).slice(0, rnd.int(0, 2));
  keys.forEach((key, i) => {
    const backends = byKey.get(key)!;
    const [namespace, app] = key.split('/') as [string, string];
    const allHttp = backends.every((p) => p.ports?.some((cp) => cp.name === 'http'));
    const allDns = backends.every((p) => p.ports?.some((cp) => cp.name === 'dns'));
    const ports: ScenarioService['ports'] = [];
    if (features.namedTargetPorts && allHttp && rnd.chance(0.6)) ports.push({ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' });
    else ports.push({ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' });
    if (allDns && rnd.chance(0.7)) ports.push({ name: 'dns', port: 53, targetPort: features.namedTargetPorts && rnd.chance(0.5) ? 'dns' : 5353, protocol: 'UDP' });
    services.push({
      name: `svc-${app}`,
      namespace,
      clusterIP: `10.96.0.${10 + i}`,
      ...(features.dualStack ? { clusterIPv6: `fd00:10:96::${(10 + i).toString(16)}` } : {}),
      selector: { app },
      ports,
    });
  });
  return services;
}

/** A selector that selects at least one of `candidates` (built from their labels). */
function podSelectorFor(ctx: PolicyContext, candidates: ScenarioPod[], allowEmpty: boolean): LabelSelector {
  const { rnd } = ctx;
  if (allowEmpty && rnd.chance(0.3)) return {};
  const target = rnd.pick(candidates);
  const labels = target.labels ?? {};
  if (ctx.features.matchExpressions && rnd.chance(0.3)) {
    const app = labels.app!;
    const others = APPS.filter((a) => a !== app);
    return rnd.chance(0.5)
      ? { matchExpressions: [{ key: 'app', operator: 'In', values: [app, rnd.pick(others)] }] }
      : { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [rnd.pick(others)] }, ...(labels.role ? [{ key: 'role', operator: 'Exists' as const }] : [])] };
  }
  if (labels.role && rnd.chance(0.3)) return { matchLabels: { role: labels.role } };
  return { matchLabels: { app: labels.app! } };
}

function namespaceSelectorFor(ctx: PolicyContext): LabelSelector {
  const { rnd } = ctx;
  if (rnd.chance(0.15)) return {};
  const ns = rnd.pick(ctx.namespaces);
  if (rnd.chance(0.3)) return { matchLabels: { 'kubernetes.io/metadata.name': ns.name } };
  if (ns.labels.env && rnd.chance(0.4)) return { matchLabels: { env: ns.labels.env } };
  return { matchLabels: { team: ns.labels.team! } };
}

function peer(ctx: PolicyContext, policyNamespace: string, allowExcept: boolean): NetworkPolicyPeer {
  const { rnd } = ctx;
  const kind = rnd.int(0, 3);
  if (kind === 0) {
    const local = ctx.pods.filter((p) => p.namespace === policyNamespace);
    return { podSelector: podSelectorFor(ctx, local, true) };
  }
  if (kind === 1) return { namespaceSelector: namespaceSelectorFor(ctx) };
  if (kind === 2) {
    const nsSel = namespaceSelectorFor(ctx);
    const inNs = ctx.pods.filter((p) => {
      const ns = ctx.namespaces.find((n) => n.name === p.namespace)!;
      const labels: Record<string, string> = { ...ns.labels, 'kubernetes.io/metadata.name': ns.name };
      return Object.entries(nsSel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    });
    return { namespaceSelector: nsSel, podSelector: podSelectorFor(ctx, inNs.length ? inNs : ctx.pods, true) };
  }
  return { ipBlock: ipBlock(ctx, allowExcept) };
}

function ipBlock(ctx: PolicyContext, allowExcept: boolean): { cidr: string; except?: string[] } {
  const { rnd, features } = ctx;
  const v6 = features.dualStack && rnd.chance(0.3);
  const pod = rnd.pick(ctx.pods);
  if (features.podHostIpBlocks && rnd.chance(0.2)) return { cidr: v6 && pod.ipv6 ? `${pod.ipv6}/128` : `${pod.ip}/32` };
  const node = rnd.pick(ctx.nodes);
  let cidr: string;
  if (v6) cidr = rnd.chance(0.5) ? node.podSubnetV6! : 'fd00:10:244::/48';
  else cidr = rnd.pick([node.podSubnet, `${node.podSubnet.split('.').slice(0, 2).join('.')}.0.0/16`, '0.0.0.0/0']);
  if (!(allowExcept && features.ipBlockExcept && rnd.chance(0.5))) return { cidr };
  // except: a pod's own address, or the low /28 of a node's pod subnet (pods live at .10 and up).
  const inside = ctx.pods.filter((p) => (v6 ? p.ipv6 && ipv6InBlock(p.ipv6, cidr) : ipv4InBlock(p.ip!, cidr)));
  if (inside.length === 0) return { cidr };
  const victim = rnd.pick(inside);
  if (v6) return { cidr, except: [`${victim.ipv6}/128`] };
  const [a, b, c] = victim.ip!.split('.');
  return { cidr, except: [rnd.chance(0.5) ? `${victim.ip}/32` : `${a}.${b}.${c}.0/28`] };
}

function ipv4InBlock(ip: string, cidr: string): boolean {
  if (cidr === '0.0.0.0/0') return true;
  const [net, len] = cidr.split('/');
  const keep = Number(len) / 8; // the generator only uses /16 and /24 blocks here
  return ip.split('.').slice(0, keep).join('.') === net!.split('.').slice(0, keep).join('.');
}

function ipv6InBlock(ip: string, cidr: string): boolean {
  return cidr === 'fd00:10:244::/48' ? ip.startsWith('fd00:10:244:') : ip.startsWith(cidr.replace('::/64', '::'));
}

function ports(ctx: PolicyContext): NetworkPolicyPort[] | undefined {
  const { rnd, features } = ctx;
  const shape = rnd.int(0, 4);
  if (shape === 0) return undefined;
  if (shape === 1) return rnd.chance(0.3) ? [] : undefined;
  const out: NetworkPolicyPort[] = [];
  const n = rnd.int(1, 2);
  for (let i = 0; i < n; i++) {
    const kind = rnd.int(0, 5);
    if (kind <= 1) {
      const port = rnd.pick(TCP_PORTS);
      out.push(rnd.chance(0.7) ? { protocol: 'TCP', port } : { port }); // protocol defaults to TCP
    } else if (kind === 2 && features.portRanges) {
      const start = rnd.pick([80, 5400, 8000, 9000]);
      out.push({ protocol: 'TCP', port: start, endPort: start + rnd.pick([0, 1, 100]) });
    } else if (kind === 3) out.push({ protocol: 'UDP', port: rnd.pick(UDP_PORTS) });
    else if (kind === 4 && features.namedPortsInPolicies) out.push(rnd.chance(0.7) ? { protocol: 'TCP', port: 'http' } : { protocol: 'UDP', port: 'dns' });
    else out.push({ protocol: rnd.pick(['TCP', 'UDP'] as const) });
  }
  if (!features.portlessBesideNumbered) {
    // Keep a port-less or named entry only when no numbered entry has the same protocol.
    const numbered = new Set(out.filter((p) => typeof p.port === 'number').map((p) => p.protocol ?? 'TCP'));
    return out.filter((p) => typeof p.port === 'number' || !numbered.has(p.protocol ?? 'TCP'));
  }
  return out;
}

function generateNetworkPolicy(ctx: PolicyContext, name: string): ScenarioNetworkPolicy {
  const { rnd } = ctx;
  const namespace = rnd.pick(ctx.namespaces).name;
  const local = ctx.pods.filter((p) => p.namespace === namespace);
  const podSelector = podSelectorFor(ctx, local, true);
  const types = rnd.pick<Array<'Ingress' | 'Egress'> | undefined>([undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
  const spec: ScenarioNetworkPolicy['spec'] = { podSelector, ...(types ? { policyTypes: [...types] } : {}) };
  const wantIngress = !types || types.includes('Ingress');
  const wantEgress = !types || types.includes('Egress');
  const rules = (): Array<{ peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }> =>
    Array.from({ length: rnd.int(0, 2) }, () => {
      const shape = rnd.int(0, 4);
      const peers = shape === 0 ? undefined : shape === 1 ? [] : Array.from({ length: rnd.int(1, 2) }, () => peer(ctx, namespace, true));
      const p = ports(ctx);
      return { ...(peers ? { peers } : {}), ...(p ? { ports: p } : {}) };
    });
  if (wantIngress && rnd.chance(0.8)) spec.ingress = rules().map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }));
  if (wantEgress && rnd.chance(types ? 0.8 : 0.4)) spec.egress = rules().map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }));
  return { name, namespace, spec };
}

function generateAntreaPolicy(ctx: PolicyContext, name: string, priority: number): ScenarioAntreaNetworkPolicy {
  const { rnd, features } = ctx;
  const namespace = rnd.pick(ctx.namespaces).name;
  const local = ctx.pods.filter((p) => p.namespace === namespace);
  const tier = rnd.pick(features.antreaTiers);
  const baseline = tier === 'baseline';
  const rule = (dir: 'ingress' | 'egress', i: number): AntreaPolicyRule => {
    const actions = baseline ? features.antreaActions.filter((a) => a !== 'Pass') : features.antreaActions;
    const action = rnd.pick(actions);
    const peers = rnd.chance(0.25) ? undefined : Array.from({ length: rnd.int(1, 2) }, () => peer(ctx, namespace, true));
    const named = features.namedPortsInPolicies && rnd.chance(0.2);
    const ps = rnd.chance(0.5)
      ? undefined
      : [
          named
            ? rnd.chance(0.7) ? { protocol: 'TCP' as const, port: 'http' } : { protocol: 'UDP' as const, port: 'dns' }
            : rnd.chance(0.7) ? { protocol: 'TCP' as const, port: rnd.pick(TCP_PORTS) } : rnd.chance(0.5) && features.portRanges ? { protocol: 'TCP' as const, port: 8000, endPort: 8100 } : { protocol: 'UDP' as const, port: rnd.pick(UDP_PORTS) },
        ];
    const applied = ruleLevel ? { appliedTo: [{ podSelector: podSelectorFor(ctx, local, true) }] } : {};
    return { action, name: `${dir}-${i}-${action.toLowerCase()}`, ...applied, ...(peers ? (dir === 'ingress' ? { from: peers } : { to: peers }) : {}), ...(ps ? { ports: ps } : {}) };
  };
  const ruleLevel = features.ruleAppliedTo && rnd.chance(0.3);
  const spec: ScenarioAntreaNetworkPolicy['spec'] = {
    ...(tier ? { tier } : {}),
    priority,
    ...(ruleLevel ? {} : { appliedTo: [{ podSelector: podSelectorFor(ctx, local, true) }] }),
  };
  const ni = rnd.int(0, 2);
  const ne = rnd.int(ni === 0 ? 1 : 0, 2);
  if (ni) spec.ingress = Array.from({ length: ni }, (_, i) => rule('ingress', i));
  if (ne) spec.egress = Array.from({ length: ne }, (_, i) => rule('egress', i));
  return { name, namespace, spec };
}
