/**
 * Differential testing: for a seeded random scenario, bring the lab up, trace pod pairs and
 * Service connections with cni-trace's library (`traceAll`, one batch per scenario so the traces
 * share per-node work), and compare each verdict and drop attribution with the independent
 * evaluator's. Strict: verdict, and for a drop the attribution's type, direction and policy
 * identity (kind, namespace, name, rule) or the exact set of isolating policies.
 *
 * Everything is reproducible from (flavour, seed): the scenario, the probes and their order.
 * Every mismatch counts: there is no list of tolerated signatures (the defects issue 12 §1.1,
 * §1.8, §1.9 and the two lab gaps it once labelled are fixed).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { stringify } from 'yaml';
import type { DropAttribution, TraceRequest, TraceResult } from '../../core/model.js';
import { createTraceRequest } from '../../core/request-defaults.js';
import { traceAll } from '../../core/trace-all.js';
import { registerAntreaDriver } from '../../drivers/antrea-ovs/index.js';
import { registerOvnDriver } from '../../drivers/ovn/index.js';
import { Lab } from '../../lab/lab.js';
import { validateScenario } from '../../lab/scenario/scenario-validator.js';
import type { Scenario, ScenarioPod, ScenarioService } from '../../lab/scenario/scenario-types.js';
import { evaluateAntreaConnection, type OracleAntreaCluster } from './antrea-policy-evaluator.js';
import {
  ANTREA_PROFILE,
  evaluateK8sConnection,
  OVN_KUBERNETES_PROFILE,
  type CniPolicyProfile,
  type OracleAttribution,
  type OracleDecision,
  type OraclePacket,
  type OraclePod,
} from './netpol-evaluator.js';
import { FEATURES_BY_FLAVOUR, generateScenario, SeededRandom, TCP_PORTS, UDP_PORTS, type GeneratorFeatures } from './scenario-generator.js';
import { scenarioToOracleCluster, serviceBackends } from './scenario-to-oracle.js';

/** Flavour names as the fuzz command takes them. */
export type FuzzFlavour = 'ovn' | 'antrea';

/** One traced connection of a scenario. */
export interface Probe {
  /** `ns/src -> ns/dst tcp/8080 ip4` (or `-> svc ns/name`). */
  label: string;
  src: ScenarioPod;
  dst: { pod: ScenarioPod } | { service: ScenarioService };
  packet: { family: 'ip4' | 'ip6'; protocol: 'tcp' | 'udp' | 'icmp'; dstPort?: number };
}

/** The comparable form of a verdict and attribution (what both sides are reduced to). */
export interface Comparable {
  verdict: string;
  drop?:
    | { type: 'rule'; direction?: string; policy: { kind: string; namespace?: string; name: string; rule?: string } }
    | { type: 'default-deny'; direction?: string; isolatedBy: Array<{ kind: string; namespace?: string; name: string }> }
    | { type: 'other'; explanation: string };
  /** With {@link ExtraChecks.namedPortWarnings}: the warning expected / found. */
  warning?: string;
  /** With {@link ExtraChecks.explanationPort}: `proto/port` named by the default-deny explanation. */
  explanationPort?: string;
}

/**
 * Checks beyond verdict and attribution (issue 12 §1.9, §1.8): on by default
 * ({@link DEFAULT_CHECKS}); a field set to false turns one off.
 */
export interface ExtraChecks {
  /** ovn-kubernetes: a connection allowed only because a named port is not enforced must carry a warning naming the policy (issue 12 §1.9). */
  namedPortWarnings?: boolean;
  /** A default-deny explanation names the port the policy saw — the backend's for a Service (issue 12 §1.8). */
  explanationPort?: boolean;
  /** The evaluator's CNI profile (default: the flavour's); triage evaluates alternatives with it. */
  profile?: CniPolicyProfile;
}

/** A disagreement between cni-trace and the evaluator. */
export interface Mismatch {
  flavour: FuzzFlavour;
  seed: number;
  probe: string;
  expected: Comparable;
  actual: Comparable;
  /** The product's reason sentence and the evaluator's notes, for triage. */
  reason: string;
  oracleNotes: string[];
}

/** What one scenario run gave. */
export interface ScenarioOutcome {
  flavour: FuzzFlavour;
  seed: number;
  probes: number;
  /** Distinct (source, destination pod or Service) pairs the probes cover. */
  pairs: number;
  mismatches: Mismatch[];
  /** The generated scenario, to reproduce by hand (`npm run lab -- up <file>`). */
  scenarioYaml: string;
  labUpMs: number;
  traceMs: number;
  /** How many probes the evaluator expected in each class (delivered, default-deny, rule drop, reject). */
  expectedClasses: Record<string, number>;
}

/** Options of a run. */
export interface DifferentialOptions {
  /** Generator features (default: the flavour's). */
  features?: GeneratorFeatures;
  /** Packets traced per ordered pod pair (1–3, default 3). */
  packetsPerPair?: number;
  /** Trace Services too (default true). */
  services?: boolean;
  /** traceAll concurrency (default 4). */
  concurrency?: number;
  /** Extra checks (default {@link DEFAULT_CHECKS}; given fields override). */
  checks?: ExtraChecks;
}

/** The checks every run makes unless told otherwise: named-port warnings (§1.9), explanation port (§1.8). */
export const DEFAULT_CHECKS: ExtraChecks = { namedPortWarnings: true, explanationPort: true };

const PROFILES: Record<FuzzFlavour, CniPolicyProfile> = { ovn: OVN_KUBERNETES_PROFILE, antrea: ANTREA_PROFILE };

/** The probes of a scenario, deterministic from the seed. */
export function planProbes(scenario: Scenario, seed: number, options: DifferentialOptions = {}): Probe[] {
  const rnd = new SeededRandom(seed * 7919 + 17);
  const perPair = Math.min(3, Math.max(1, options.packetsPerPair ?? 3));
  const dualStack = scenario.pods.every((p) => p.ipv6);
  const probes: Probe[] = [];
  const key = (p: ScenarioPod) => `${p.namespace}/${p.name}`;
  for (const src of scenario.pods) {
    for (const dst of scenario.pods) {
      if (src === dst) continue;
      const http = dst.ports?.find((p) => p.name === 'http')?.containerPort;
      const packets: Probe['packet'][] = [
        { family: 'ip4', protocol: 'tcp', dstPort: http !== undefined && rnd.chance(0.6) ? http : rnd.pick(TCP_PORTS) },
        { family: 'ip4', protocol: 'udp', dstPort: rnd.pick(UDP_PORTS) },
      ];
      const third = rnd.int(0, 2);
      if (third === 0) packets.push({ family: 'ip4', protocol: 'icmp' });
      else if (third === 1 && dualStack) packets.push({ family: 'ip6', protocol: 'tcp', dstPort: rnd.pick(TCP_PORTS) });
      else packets.push({ family: 'ip4', protocol: 'tcp', dstPort: rnd.pick([8000, 8050, 8100, 9000, 9001, 5400]) });
      for (const packet of rnd.shuffle(packets).slice(0, perPair)) {
        probes.push({ label: `${key(src)} -> ${key(dst)} ${packet.protocol}${packet.dstPort ? `/${packet.dstPort}` : ''} ${packet.family}`, src, dst: { pod: dst }, packet });
      }
    }
  }
  if (options.services !== false) {
    for (const svc of scenario.services ?? []) {
      for (const src of scenario.pods) {
        // A pod reaching itself through its own Service (hairpin) is outside NetworkPolicy's
        // documented semantics (implementation-defined, the CNI's hairpin SNAT decides): not probed.
        if (src.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => src.labels?.[k] === v)) continue;
        for (const sp of svc.ports) {
          const protocol = (sp.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp';
          const family = dualStack && svc.clusterIPv6 && rnd.chance(0.3) ? 'ip6' : 'ip4';
          probes.push({ label: `${key(src)} -> svc ${svc.namespace}/${svc.name} ${protocol}/${sp.port} ${family}`, src, dst: { service: svc }, packet: { family, protocol, dstPort: sp.port } });
        }
      }
    }
  }
  return probes;
}

/** The evaluator's decision for a connection, under the flavour's rules. */
function decide(flavour: FuzzFlavour, cluster: OracleAntreaCluster, src: OraclePod, dst: OraclePod, packet: OraclePacket, profile: CniPolicyProfile = PROFILES[flavour]): OracleDecision {
  return flavour === 'antrea' ? evaluateAntreaConnection(cluster, { pod: src }, { pod: dst }, packet, profile) : evaluateK8sConnection(cluster, { pod: src }, { pod: dst }, packet, profile);
}

/** The evaluator's answer reduced to the comparable form. */
export function expectedComparable(d: OracleDecision): Comparable {
  const verdict = d.verdict === 'allowed' ? 'delivered' : d.verdict;
  return d.attribution ? { verdict, drop: attributionComparable(d.attribution) } : { verdict };
}

function attributionComparable(a: OracleAttribution): Comparable['drop'] {
  if (a.type === 'rule') return { type: 'rule', direction: a.direction, policy: { kind: a.policy.kind, ...(a.policy.namespace ? { namespace: a.policy.namespace } : {}), name: a.policy.name, ...(a.policy.rule ? { rule: a.policy.rule } : {}) } };
  return { type: 'default-deny', direction: a.direction, isolatedBy: sortRefs(a.isolatedBy.map((r) => ({ kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name }))) };
}

/** cni-trace's answer reduced to the comparable form. */
export function actualComparable(r: TraceResult): Comparable {
  if (r.verdict !== 'dropped' && r.verdict !== 'rejected') return { verdict: r.verdict };
  return { verdict: r.verdict, ...(r.drop ? { drop: dropComparable(r.drop) } : {}) };
}

function dropComparable(d: DropAttribution): Comparable['drop'] {
  if (d.type === 'rule') {
    const p = d.policy;
    return { type: 'rule', ...(d.direction ? { direction: d.direction } : {}), policy: { kind: p.kind, ...(p.namespace ? { namespace: p.namespace } : {}), name: p.name, ...(p.rule ? { rule: p.rule } : {}) } };
  }
  if (d.type === 'default-deny') return { type: 'default-deny', ...(d.direction ? { direction: d.direction } : {}), isolatedBy: sortRefs(d.isolatedBy.map((r) => ({ kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name }))) };
  return { type: 'other', explanation: d.explanation };
}

function sortRefs<T extends { kind: string; namespace?: string; name: string }>(refs: T[]): T[] {
  const k = (r: T) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  return [...refs].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

const same = (a: Comparable, b: Comparable) => JSON.stringify(a) === JSON.stringify(b);

/** The backend a Service trace followed: a translated destination IP, else the result's destination IP. */
function tracedBackendIp(r: TraceResult): string | undefined {
  for (const leg of r.legs) {
    if (leg.direction !== 'forward') continue;
    for (const o of leg.observations) if (o.translatedDstIp) return o.translatedDstIp;
  }
  return r.destination?.ip;
}

/** Runs one scenario end to end: generate, validate, lab up, trace, compare, lab down. */
export async function runScenario(flavour: FuzzFlavour, seed: number, options: DifferentialOptions = {}): Promise<ScenarioOutcome> {
  const features = options.features ?? FEATURES_BY_FLAVOUR[flavour];
  const scenario = generateScenario(seed, features);
  const scenarioYaml = stringify(scenario);
  const problems = validateScenario(JSON.parse(JSON.stringify(scenario)));
  if (problems.length > 0) throw new Error(`generator: seed ${seed} (${flavour}) produced a scenario the lab refuses:\n  ${problems.join('\n  ')}\n${scenarioYaml}`);
  const cluster = scenarioToOracleCluster(scenario);
  const probes = planProbes(scenario, seed, options);
  const stateDir = mkdtempSync(join(tmpdir(), `cni-trace-diff-${flavour}-`));
  let lab: Lab | undefined;
  const t0 = Date.now();
  try {
    lab = await Lab.up(scenario, { stateDir, apiServer: 'in-process', handleSignals: false });
    const labUpMs = Date.now() - t0;
    const drivers = container.createChildContainer();
    registerOvnDriver(drivers);
    registerAntreaDriver(drivers);
    const cni = flavour === 'antrea' ? 'antrea' : 'ovn-kubernetes';
    const requests: TraceRequest[] = probes.map((p) =>
      createTraceRequest({
        source: { kind: 'pod', namespace: p.src.namespace, name: p.src.name },
        destination: 'pod' in p.dst ? { kind: 'pod', namespace: p.dst.pod.namespace, name: p.dst.pod.name } : { kind: 'service', namespace: p.dst.service.namespace, name: p.dst.service.name },
        packet: { family: p.packet.family, protocol: p.packet.protocol, ...(p.packet.dstPort !== undefined ? { dstPort: p.packet.dstPort } : {}) },
        cni,
      }),
    );
    const t1 = Date.now();
    const outcomes = await traceAll(requests, { container: drivers, kube: { kubeconfig: lab.kubeconfigPath! }, concurrency: options.concurrency ?? 4 });
    const traceMs = Date.now() - t1;
    const mismatches: Mismatch[] = [];
    const expectedClasses: Record<string, number> = {};
    outcomes.forEach((o, i) => {
      const probe = probes[i]!;
      const m = compareProbe(
        flavour,
        seed,
        probe,
        cluster,
        scenario,
        o.result,
        o.error?.message,
        (e) => {
          const cls = e.drop ? `${e.verdict}:${e.drop.type}` : e.verdict;
          expectedClasses[cls] = (expectedClasses[cls] ?? 0) + 1;
        },
        { ...DEFAULT_CHECKS, ...options.checks },
      );
      if (m) mismatches.push(m);
    });
    const pairs = new Set(probes.map((p) => p.label.replace(/ (tcp|udp|icmp)\S* ip[46]$/, ''))).size;
    return { flavour, seed, probes: probes.length, pairs, mismatches, scenarioYaml, labUpMs, traceMs, expectedClasses };
  } finally {
    if (lab) await lab.down();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Compares one probe's trace with the evaluator; undefined when they agree. */
export function compareProbe(
  flavour: FuzzFlavour,
  seed: number,
  probe: Probe,
  cluster: OracleAntreaCluster,
  scenario: Scenario,
  result: TraceResult | undefined,
  error?: string,
  onExpected?: (expected: Comparable) => void,
  checks: ExtraChecks = {},
): Mismatch | undefined {
  const src = cluster.pods.find((p) => p.namespace === probe.src.namespace && p.name === probe.src.name)!;
  const protocol = probe.packet.protocol.toUpperCase() as OraclePacket['protocol'];
  const family = probe.packet.family === 'ip6' ? 6 : 4;
  let expected: Comparable;
  let notes: string[] = [];
  let chosen: OracleDecision | undefined;
  let policyPort: number | undefined;
  if ('pod' in probe.dst) {
    const dst = cluster.pods.find((p) => p.namespace === (probe.dst as { pod: ScenarioPod }).pod.namespace && p.name === (probe.dst as { pod: ScenarioPod }).pod.name)!;
    const d = decide(flavour, cluster, src, dst, { family, protocol, ...(probe.packet.dstPort !== undefined ? { port: probe.packet.dstPort } : {}) }, checks.profile);
    expected = expectedComparable(d);
    notes = [...d.egress.notes, ...d.ingress.notes];
    chosen = d;
    policyPort = probe.packet.dstPort;
  } else {
    const backends = serviceBackends(cluster, probe.dst.service, probe.packet.dstPort!, protocol as 'TCP' | 'UDP', scenario);
    const decisions = backends.map((b) => ({ b, d: decide(flavour, cluster, src, b.pod, { family, protocol, port: b.port }, checks.profile) }));
    const ip = result ? tracedBackendIp(result) : undefined;
    const traced = decisions.find((x) => ip !== undefined && x.b.pod.ips.includes(ip));
    const distinct = new Set(decisions.map((x) => JSON.stringify(expectedComparable(x.d))));
    if (traced) expected = expectedComparable(traced.d);
    else if (distinct.size === 1 && decisions.length > 0) expected = expectedComparable(decisions[0]!.d);
    else {
      return { flavour, seed, probe: probe.label, expected: { verdict: `one of ${[...distinct].join(' | ')}` }, actual: result ? actualComparable(result) : { verdict: 'error' }, reason: `the trace does not say which backend it followed (destination ${ip ?? 'unknown'}); backends disagree`, oracleNotes: [] };
    }
    notes = traced ? [...traced.d.egress.notes, ...traced.d.ingress.notes, `backend ${traced.b.pod.namespace}/${traced.b.pod.name}:${traced.b.port}`] : [];
    const decided = traced ?? decisions[0];
    chosen = decided?.d;
    policyPort = decided?.b.port;
  }
  onExpected?.(expected);
  const actual: Comparable = result ? actualComparable(result) : { verdict: 'error' };
  if (result && chosen && checks.namedPortWarnings) {
    // Issue 12 §1.9: allowed only because ovn-kubernetes ignores a named port → a warning naming the policy.
    const departed = [chosen.egress, chosen.ingress].find((x) => x.allowedByDeparture && x.rule);
    if (departed && chosen.verdict === 'allowed') {
      const p = departed.rule!.policy;
      expected.warning = `named port not enforced, naming ${p.namespace}/${p.name}`;
      const w = result.warnings.find((x) => /named port/i.test(x) && x.includes(`${p.namespace}/${p.name}`));
      if (w) actual.warning = expected.warning;
      else actual.warning = `none among ${JSON.stringify(result.warnings)}`;
    }
  }
  if (result?.drop?.type === 'default-deny' && expected.drop?.type === 'default-deny' && checks.explanationPort && policyPort !== undefined && probe.packet.protocol !== 'icmp') {
    // Issue 12 §1.8: "no rule allows <proto>/<port>" names the port the policy saw (the backend's).
    expected.explanationPort = `${probe.packet.protocol}/${policyPort}`;
    actual.explanationPort = /no rule allows (\S+)/.exec(result.drop.explanation)?.[1] ?? result.drop.explanation;
  }
  if (same(expected, actual)) return undefined;
  return { flavour, seed, probe: probe.label, expected, actual, reason: result?.reason ?? error ?? 'no result', oracleNotes: notes };
}

/** One line per mismatch, for logs and assertion messages. */
export function formatMismatch(m: Mismatch): string {
  return `[${m.flavour} seed ${m.seed}] ${m.probe}\n    expected ${JSON.stringify(m.expected)}\n    actual   ${JSON.stringify(m.actual)}\n    reason   ${m.reason}${m.oracleNotes.length ? `\n    oracle   ${m.oracleNotes.join('; ')}` : ''}`;
}
