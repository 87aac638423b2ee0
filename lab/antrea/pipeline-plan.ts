/**
 * Pure planner: scenario → what each Antrea node's OVS holds. Per node: `br-int` ports
 * (`antrea-tun0`, `antrea-gw0`, one port per local pod with Antrea's external_ids), the OpenFlow
 * pipeline in Antrea's default IPv4 table layout as `ovs-ofctl add-flows` text (cookies with
 * Antrea's category bits), and the service groups. The flows follow docs/design/ovs-pipeline.md:
 * classification, SpoofGuard, conntrack, AntreaProxy (ServiceLB → group → EndpointDNAT), policy
 * tables with conjunctions, L3/L2 forwarding, tunnel to remote pod CIDRs, Output.
 */
import { matchesMap } from '../scenario/label-selector.js';
import type { Scenario, ScenarioNode, ScenarioPod, ScenarioService } from '../scenario/scenario-types.js';
import { resolveTargetPort } from '../ovn/load-balancer-plan.js';
import {
  ANTREA_TABLES,
  CT_ZONE,
  SNAT_CT_ZONE,
  FIRST_POD_OFPORT,
  GATEWAY_OFPORT,
  GATEWAY_PORT,
  GLOBAL_VIRTUAL_MAC,
  REG,
  T,
  TUNNEL_OFPORT,
  TUNNEL_PORT,
  cookie,
  gatewayIp,
  ipHex,
  podInterfaceName,
  stableMac,
} from './antrea-names.js';
import { planPolicyRules, type PolicyRule } from './policy-rule-plan.js';
import { portMatchText } from './port-range-match.js';

/** A pod port on a node's br-int. */
export interface AntreaPodPort {
  name: string;
  ofport: number;
  mac: string;
  ip: string;
  pod: { namespace: string; name: string };
  /** Interface external_ids as antrea-agent writes them. */
  externalIds: Record<string, string>;
}

/** One service endpoint as AntreaProxy programs it. */
export interface PlannedEndpoint {
  ip: string;
  port: number;
  pod: { namespace: string; name: string };
}

/** One service port: ClusterIP:port/protocol → group of endpoints. */
export interface PlannedServicePort {
  groupId: number;
  namespace: string;
  name: string;
  clusterIP: string;
  port: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  endpoints: PlannedEndpoint[];
}

/** What one node's OVS contains. */
export interface AntreaNodePlan {
  name: string;
  nodeIP: string;
  podSubnet: string;
  gatewayIP: string;
  gatewayMac: string;
  ports: AntreaPodPort[];
  /** `ovs-ofctl add-flows` lines. */
  flows: string[];
  /** `ovs-ofctl add-groups` lines (OpenFlow 1.5 syntax). */
  groups: string[];
}

/** The whole Antrea data plane. */
export interface AntreaClusterPlan {
  nodes: AntreaNodePlan[];
  rules: PolicyRule[];
  services: PlannedServicePort[];
  /** Table ID → name, as set in OVS Flow_Table rows. */
  tableNames: readonly string[];
}

/** Plans the data plane of every node. */
export function planAntreaCluster(scenario: Scenario): AntreaClusterPlan {
  const policy = planPolicyRules(scenario);
  const services = planServices(scenario);
  const nodeBase = scenario.nodes.map((n) => ({
    node: n,
    gatewayIP: gatewayIp(n.podSubnet),
    gatewayMac: stableMac(`antrea-gw0/${n.name}`),
    ports: podPorts(scenario, n),
  }));
  const nodes = nodeBase.map((b) => {
    const remotes = nodeBase.filter((o) => o.node.name !== b.node.name).map((o) => o.node);
    return {
      name: b.node.name,
      nodeIP: b.node.nodeIP,
      podSubnet: b.node.podSubnet,
      gatewayIP: b.gatewayIP,
      gatewayMac: b.gatewayMac,
      ports: b.ports,
      flows: nodeFlows({ ...b, remotes, rules: policy.rules, ingressIsolated: policy.ingressIsolated, egressIsolated: policy.egressIsolated, services }),
      groups: [...services.map(groupLine), ...packetInGroups(services).map((g) => g.line)],
    };
  });
  return { nodes, rules: policy.rules, services, tableNames: ANTREA_TABLES };
}

function podPorts(scenario: Scenario, n: ScenarioNode): AntreaPodPort[] {
  const local = scenario.pods
    .filter((p) => p.node === n.name && !p.hostNetwork && p.ip)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return local.map((p, i) => {
    const mac = stableMac(`pod/${p.namespace}/${p.name}`);
    return {
      name: podInterfaceName(p.namespace, p.name),
      ofport: FIRST_POD_OFPORT + i,
      mac,
      ip: p.ip!,
      pod: { namespace: p.namespace, name: p.name },
      externalIds: {
        'antrea-type': 'container',
        'attached-mac': mac,
        'container-id': containerId(p),
        ip: p.ip!,
        'pod-name': p.name,
        'pod-namespace': p.namespace,
      },
    };
  });
}

/** A stable 64-hex container ID for a pod. */
function containerId(p: ScenarioPod): string {
  let h = '';
  for (let i = 0; h.length < 64; i++) h += stableMac(`cid/${p.namespace}/${p.name}/${i}`).replace(/:/g, '');
  return h.slice(0, 64);
}

/** AntreaProxy's view of the services: one group per service port, ready endpoints only. */
export function planServices(scenario: Scenario): PlannedServicePort[] {
  const out: PlannedServicePort[] = [];
  let gid = 1;
  for (const svc of scenario.services ?? []) {
    for (const sp of svc.ports) {
      const endpoints = serviceEndpointPods(scenario, svc)
        .map((p) => ({ ip: p.ip!, port: resolveTargetPort(sp, p), pod: { namespace: p.namespace, name: p.name } }))
        .filter((e): e is PlannedEndpoint => e.port !== undefined);
      out.push({ groupId: gid++, namespace: svc.namespace, name: svc.name, clusterIP: svc.clusterIP, port: sp.port, protocol: (sp.protocol ?? 'TCP').toLowerCase() as PlannedServicePort['protocol'], endpoints });
    }
  }
  return out;
}

function serviceEndpointPods(scenario: Scenario, svc: ScenarioService): ScenarioPod[] {
  return scenario.pods.filter((p) => p.namespace === svc.namespace && p.ready !== false && !p.hostNetwork && p.ip && matchesMap(svc.selector, p.labels));
}

function groupLine(s: PlannedServicePort): string {
  // selection_method=hash: the bucket is chosen in userspace, so ofproto/trace follows it (the
  // default dp_hash method leaves the choice to the datapath and the trace stops at the group).
  const buckets = s.endpoints.map(
    (e, i) => `bucket=bucket_id:${i},weight:100,actions=set_field:${ipHex(e.ip)}->reg3,set_field:0x${e.port.toString(16)}/0xffff->reg4,resubmit(,${T.EndpointDNAT})`,
  );
  return [`group_id=${s.groupId}`, 'type=select', `selection_method=hash,fields(ip_src,nw_proto)`, ...buckets].join(',');
}

/** The next tables of Antrea's NetworkPolicy packet-in groups (featureNetworkPolicy.initGroups). */
const PACKET_IN_GROUP_TABLES = [T.EgressRule, T.EgressMetric, T.IngressRule, T.IngressMetric] as const;

/**
 * Antrea's NetworkPolicy "logging and resubmit" groups, one per next table, allocated after the
 * service groups: type all, one bucket continues in the next table, the other marks the packet
 * for the controller and resubmits it to Output (where the packet-in flows send it up).
 */
export function packetInGroups(services: PlannedServicePort[]): Array<{ groupId: number; nextTable: number; line: string }> {
  return PACKET_IN_GROUP_TABLES.map((nextTable, i) => {
    const groupId = services.length + 1 + i;
    return { groupId, nextTable, line: `group_id=${groupId},type=all,bucket=bucket_id:0,actions=resubmit(,${nextTable}),bucket=bucket_id:1,actions=set_field:${REG.outputToController}->reg0,resubmit(,${T.Output})` };
  });
}

interface NodeFlowInput {
  node: ScenarioNode;
  gatewayIP: string;
  gatewayMac: string;
  ports: AntreaPodPort[];
  remotes: ScenarioNode[];
  rules: PolicyRule[];
  ingressIsolated: ScenarioPod[];
  egressIsolated: ScenarioPod[];
  services: PlannedServicePort[];
}

/** Two planned flows share a table, priority and match but not their actions (a planner bug). */
export class AntreaPlanError extends Error {
  readonly code = 'LAB_ANTREA_PLAN_CONFLICT';
  constructor(message: string) {
    super(`${message}; OVS would keep only one of them. Report the scenario: the lab's Antrea planner must merge or refuse it`);
    this.name = 'AntreaPlanError';
  }
}

/**
 * Collects flows keyed by table, priority and OVS match (normalised the way OVS compares matches:
 * an `/32` address is the address, a `/0` address matches everything, an exact port mask is the
 * port). Like the agent's conjMatchFlowContext, flows with the same key that carry conjunction
 * actions become one flow with the union of those actions (OVS would otherwise replace the first
 * with the second); identical flows are kept once; any other clash is a planner bug and throws.
 */
export class FlowSet {
  private readonly flows = new Map<string, { table: number; priority: number; match: string; cookie: string; actions: string[] }>();
  add(table: number, priority: number, match: string, actions: string, ck: string): void {
    const normal = normaliseMatch(match);
    const key = `${table}/${priority}/${[...normal.split(',')].filter((x) => x !== '').sort().join(',')}`;
    const existing = this.flows.get(key);
    if (!existing) {
      this.flows.set(key, { table, priority, match: normal, cookie: ck, actions: [actions] });
      return;
    }
    const isConj = (a: string) => a.startsWith('conjunction(');
    if (isConj(actions) && existing.actions.every(isConj)) {
      if (!existing.actions.includes(actions)) existing.actions.push(actions);
      return;
    }
    if (existing.actions.length === 1 && existing.actions[0] === actions) return;
    throw new AntreaPlanError(`two flows with the same match in table ${table} at priority ${priority} (${normal}): "${existing.actions.join(',')}" and "${actions}"`);
  }
  lines(): string[] {
    return [...this.flows.values()].map((f) => `table=${f.table},cookie=${f.cookie},priority=${f.priority}${f.match ? `,${f.match}` : ''} actions=${f.actions.join(',')}`);
  }
}

/** A match as OVS holds it: `/32` addresses exact, `/0` addresses dropped, exact port masks plain. */
export function normaliseMatch(match: string): string {
  return match
    .split(',')
    .filter((part) => part !== '' && !/^(nw_src|nw_dst)=0\.0\.0\.0\/0$/.test(part))
    .map((part) => part.replace(/^((?:nw_src|nw_dst)=[0-9.]+)\/32$/, '$1').replace(/^(tp_dst|tp_src)=0x([0-9a-f]+)\/0xffff$/, (_m, f: string, v: string) => `${f}=${Number.parseInt(v, 16)}`))
    .join(',');
}

function nodeFlows(n: NodeFlowInput): string[] {
  const f = new FlowSet();
  const D = cookie('Default');
  const PC = cookie('PodConnectivity');
  const goto = (t: number) => `goto_table:${t}`;
  const localByKey = new Map(n.ports.map((p) => [`${p.pod.namespace}/${p.pod.name}`, p]));

  // PipelineRootClassifier, ARP pipeline.
  f.add(T.PipelineRootClassifier, 200, 'arp', goto(T.ARPSpoofGuard), D);
  f.add(T.PipelineRootClassifier, 200, 'ip', goto(T.Classifier), D);
  f.add(T.PipelineRootClassifier, 0, '', 'drop', D);
  f.add(T.ARPSpoofGuard, 200, `arp,in_port=${GATEWAY_OFPORT},arp_spa=${n.gatewayIP},arp_sha=${n.gatewayMac}`, goto(T.ARPResponder), PC);
  for (const p of n.ports) f.add(T.ARPSpoofGuard, 200, `arp,in_port=${p.ofport},arp_spa=${p.ip},arp_sha=${p.mac}`, goto(T.ARPResponder), PC);
  f.add(T.ARPSpoofGuard, 0, '', 'drop', D);
  // ARP requests for the other nodes' gateway IPs are answered with the global virtual MAC (the
  // tunnel's destination MAC), from the request itself (encap mode).
  for (const r of n.remotes) {
    const remoteGw = gatewayIp(r.podSubnet);
    f.add(
      T.ARPResponder,
      200,
      `arp,arp_tpa=${remoteGw},arp_op=1`,
      `move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:${GLOBAL_VIRTUAL_MAC}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:${GLOBAL_VIRTUAL_MAC}->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:${remoteGw}->arp_spa,IN_PORT`,
      PC,
    );
  }
  f.add(T.ARPResponder, 190, 'arp', 'NORMAL', D);
  f.add(T.ARPResponder, 0, '', 'drop', D);

  // Classifier: where the packet came from (reg0 PktSourceField). Tunnel traffic skips SpoofGuard
  // and is marked for MAC rewrite.
  f.add(T.Classifier, 200, `in_port=${TUNNEL_OFPORT}`, `set_field:${REG.fromTunnel}->reg0,set_field:${REG.rewriteMac}->reg0,${goto(T.UnSNAT)}`, PC);
  // reg4 bit 28 FromLocalRegMark (local pods, the host's own gateway IP), bit 27 for other
  // traffic from the gateway (FromGatewayRegMark: external traffic the host forwards).
  f.add(T.Classifier, 210, `ip,in_port=${GATEWAY_OFPORT},nw_src=${n.gatewayIP}`, `set_field:${REG.fromGateway}->reg0,set_field:0x10000000/0x10000000->reg4,${goto(T.SpoofGuard)}`, PC);
  f.add(T.Classifier, 200, `in_port=${GATEWAY_OFPORT}`, `set_field:${REG.fromGateway}->reg0,set_field:0x8000000/0x8000000->reg4,${goto(T.SpoofGuard)}`, PC);
  for (const p of n.ports) f.add(T.Classifier, 190, `in_port=${p.ofport}`, `set_field:${REG.fromPod}->reg0,set_field:0x10000000/0x10000000->reg4,${goto(T.SpoofGuard)}`, PC);
  f.add(T.Classifier, 0, '', 'drop', D);

  // SpoofGuard: a pod may only send with its own MAC and IP.
  f.add(T.SpoofGuard, 200, `ip,in_port=${GATEWAY_OFPORT}`, goto(T.UnSNAT), PC);
  for (const p of n.ports) f.add(T.SpoofGuard, 200, `ip,in_port=${p.ofport},dl_src=${p.mac},nw_src=${p.ip}`, goto(T.UnSNAT), PC);
  f.add(T.SpoofGuard, 0, '', 'drop', D);

  // Conntrack.
  // Replies to connections Antrea SNATed to the gateway IP (hairpin) are un-NATed first.
  f.add(T.UnSNAT, 200, `ip,nw_dst=${n.gatewayIP}`, `ct(table=${T.ConntrackZone},zone=${SNAT_CT_ZONE},nat)`, cookie('Service'));
  f.add(T.UnSNAT, 0, '', goto(T.ConntrackZone), D);
  f.add(T.ConntrackZone, 200, 'ip', `ct(table=${T.ConntrackState},zone=${CT_ZONE},nat)`, PC);
  f.add(T.ConntrackZone, 0, '', goto(T.ConntrackState), D);
  f.add(T.ConntrackState, 200, 'ct_state=+inv+trk,ip', 'drop', PC);
  // Packets of committed connections skip AntreaProxy (a Service connection's reply also needs
  // its MAC rewritten); the policy tables then let them through (see the established flows).
  f.add(T.ConntrackState, 190, 'ct_state=-new+trk,ct_mark=0/0x10,ip', goto(T.AntreaPolicyEgressRule), PC);
  f.add(T.ConntrackState, 190, 'ct_state=-new+trk,ct_mark=0x10/0x10,ip', `set_field:${REG.rewriteMac}->reg0,${goto(T.AntreaPolicyEgressRule)}`, PC);
  f.add(T.ConntrackState, 0, '', goto(T.PreRoutingClassifier), D);

  // AntreaProxy.
  f.add(T.PreRoutingClassifier, 200, 'ip', `resubmit(,${T.SessionAffinity}),resubmit(,${T.ServiceLB})`, cookie('Service'));
  f.add(T.PreRoutingClassifier, 0, '', goto(T.SessionAffinity), D);
  f.add(T.SessionAffinity, 0, '', `set_field:${REG.epToSelect}->reg4`, D);
  for (const s of n.services) {
    if (s.endpoints.length === 0) continue;
    f.add(
      T.ServiceLB,
      200,
      `${s.protocol},reg4=${REG.epToSelect},nw_dst=${s.clusterIP},tp_dst=${s.port}`,
      `set_field:${REG.rewriteMac}->reg0,set_field:${REG.epSelected}->reg4,set_field:0x${s.groupId.toString(16)}->reg7,group:${s.groupId}`,
      cookie('Service', s.groupId),
    );
    for (const e of s.endpoints) {
      f.add(
        T.EndpointDNAT,
        200,
        `${s.protocol},reg3=${ipHex(e.ip)},reg4=0x2${e.port.toString(16).padStart(4, '0')}/0x7ffff`,
        `ct(commit,table=${T.AntreaPolicyEgressRule},zone=${CT_ZONE},nat(dst=${e.ip}:${e.port}),exec(set_field:0x10/0x10->ct_mark))`,
        cookie('Service', s.groupId),
      );
    }
  }
  f.add(T.ServiceLB, 0, '', goto(T.EndpointDNAT), D);
  f.add(T.EndpointDNAT, 0, '', goto(T.AntreaPolicyEgressRule), D);

  // Policy tables. Established and related packets are not subject to policies: the first policy
  // table of each direction sends them straight to its metric table (priority 64990), which is
  // what lets replies reach an isolated source.
  const NP = cookie('NetworkPolicy');
  for (const [rules, metric] of [[T.AntreaPolicyEgressRule, T.EgressMetric], [T.AntreaPolicyIngressRule, T.IngressMetric]] as const) {
    f.add(rules, 64990, 'ct_state=-new+est,ip', goto(metric), NP);
    f.add(rules, 64990, 'ct_state=-new+rel,ip', goto(metric), NP);
  }
  const groupOf = new Map(packetInGroups(n.services).map((g) => [g.nextTable, g.groupId]));
  for (const r of n.rules) policyFlows(f, r, localByKey, groupOf);
  f.add(T.AntreaPolicyEgressRule, 0, '', goto(T.EgressRule), D);
  f.add(T.EgressRule, 0, '', goto(T.EgressDefaultRule), D);
  for (const p of n.egressIsolated) {
    const port = localByKey.get(`${p.namespace}/${p.name}`);
    if (port) f.add(T.EgressDefaultRule, 200, `ip,nw_src=${port.ip}`, 'drop', NP);
  }
  f.add(T.EgressDefaultRule, 0, '', goto(T.EgressMetric), D);
  f.add(T.EgressMetric, 0, '', goto(T.L3Forwarding), D);

  // L3Forwarding: gateway, local pods (routed: MAC rewrite; switched: straight to L2), remote pod
  // CIDRs through the tunnel, everything else out of the gateway.
  f.add(T.L3Forwarding, 210, `ip,nw_dst=${n.gatewayIP}`, `set_field:${n.gatewayMac}->eth_dst,set_field:${REG.toGateway}->reg0,${goto(T.L3DecTTL)}`, PC);
  // Replies of connections that came in from the gateway (ct_mark[0..3] = PktSource gateway) go
  // back to it.
  f.add(T.L3Forwarding, 210, 'ct_state=+rpl+trk,ct_mark=0x2/0xf,ip', `set_field:${n.gatewayMac}->eth_dst,set_field:${REG.toGateway}->reg0,${goto(T.L3DecTTL)}`, PC);
  for (const p of n.ports) {
    f.add(T.L3Forwarding, 200, `ip,reg0=${REG.rewriteMac},nw_dst=${p.ip}`, `set_field:${n.gatewayMac}->eth_src,set_field:${p.mac}->eth_dst,${goto(T.L3DecTTL)}`, PC);
  }
  f.add(T.L3Forwarding, 200, `ip,reg0=0/0x200,nw_dst=${n.node.podSubnet}`, goto(T.L2ForwardingCalc), PC);
  for (const r of n.remotes) {
    f.add(
      T.L3Forwarding,
      200,
      `ip,nw_dst=${r.podSubnet}`,
      `set_field:${n.gatewayMac}->eth_src,set_field:${GLOBAL_VIRTUAL_MAC}->eth_dst,set_field:${r.nodeIP}->tun_dst,set_field:${REG.toTunnel}->reg0,${goto(T.L3DecTTL)}`,
      PC,
    );
  }
  // Traffic leaving the cluster network: new connections from local pods (and from the tunnel)
  // go through EgressMark, which sends them to the gateway (the host routes them on); Service
  // traffic from the gateway that needs its MAC rewritten goes back to the gateway.
  f.add(T.L3Forwarding, 190, `ct_state=-rpl+trk,ip,reg0=${REG.fromPod},reg4=0/0x100000`, goto(T.EgressMark), PC);
  f.add(T.L3Forwarding, 190, `ct_state=-rpl+trk,ip,reg0=${REG.fromTunnel}`, `set_field:${n.gatewayMac}->eth_dst,${goto(T.EgressMark)}`, PC);
  f.add(T.L3Forwarding, 190, 'ct_mark=0x10/0x10,reg0=0x202/0x20f', `set_field:${n.gatewayMac}->eth_dst,set_field:${REG.toGateway}->reg0,${goto(T.L3DecTTL)}`, PC);
  f.add(T.L3Forwarding, 0, '', `set_field:${REG.toGateway}->reg0,${goto(T.L2ForwardingCalc)}`, D);
  f.add(T.EgressMark, 0, '', `set_field:${REG.toGateway}->reg0,${goto(T.L2ForwardingCalc)}`, cookie('Egress'));
  f.add(T.L3DecTTL, 210, `ip,reg0=${REG.fromGateway}`, goto(T.SNATMark), PC);
  f.add(T.L3DecTTL, 200, 'ip', `dec_ttl,${goto(T.SNATMark)}`, PC);
  f.add(T.L3DecTTL, 0, '', goto(T.SNATMark), D);
  // Hairpin: a pod reaching itself through a Service. The connection is marked (ConnSNAT 0x20,
  // Hairpin 0x40), SNATed to the gateway IP in the SNAT zone, and sent back out of its port.
  for (const p of n.ports) {
    f.add(T.SNATMark, 190, `ct_state=+new+trk,ip,nw_src=${p.ip},nw_dst=${p.ip}`, `ct(commit,table=${T.SNAT},zone=${CT_ZONE},exec(set_field:0x20/0x20->ct_mark,set_field:0x40/0x40->ct_mark,move:NXM_NX_REG0[0..3]->NXM_NX_CT_MARK[0..3]))`, cookie('Service'));
  }
  f.add(T.SNATMark, 0, '', goto(T.SNAT), D);
  f.add(T.SNAT, 200, `ct_state=+new+trk,ct_mark=0x40/0x40,ip,reg0=${REG.fromPod}`, `ct(commit,table=${T.L2ForwardingCalc},zone=${SNAT_CT_ZONE},nat(src=${n.gatewayIP}),exec(set_field:0x10/0x10->ct_mark,set_field:0x20/0x20->ct_mark,set_field:0x40/0x40->ct_mark))`, cookie('Service'));
  f.add(T.SNAT, 200, 'ct_state=-new-rpl+trk,ct_mark=0x20/0x20,ip', `ct(table=${T.L2ForwardingCalc},zone=${SNAT_CT_ZONE},nat)`, cookie('Service'));
  f.add(T.SNAT, 0, '', goto(T.L2ForwardingCalc), D);

  // L2ForwardingCalc: destination MAC → target port (reg1).
  const toPort = (ofport: number) => `set_field:0x${ofport.toString(16)}->reg1,set_field:${REG.outputToPort}->reg0,${goto(T.IngressSecurityClassifier)}`;
  f.add(T.L2ForwardingCalc, 200, `dl_dst=${GLOBAL_VIRTUAL_MAC}`, toPort(TUNNEL_OFPORT), PC);
  f.add(T.L2ForwardingCalc, 200, `dl_dst=${n.gatewayMac}`, toPort(GATEWAY_OFPORT), PC);
  for (const p of n.ports) f.add(T.L2ForwardingCalc, 200, `dl_dst=${p.mac}`, toPort(p.ofport), PC);
  f.add(T.L2ForwardingCalc, 0, '', goto(T.IngressSecurityClassifier), D);

  // Ingress security: traffic leaving through the gateway or tunnel is not subject to ingress
  // policies here (the receiving node enforces them).
  // Host-local traffic (the host's iptables marks it with pkt_mark 0x80000000, e.g. kubelet
  // probes) is not subject to ingress policies.
  f.add(T.IngressSecurityClassifier, 210, 'pkt_mark=0x80000000/0x80000000,ct_state=-rpl+trk,ip', goto(T.ConntrackCommit), cookie('NetworkPolicy'));
  f.add(T.IngressSecurityClassifier, 200, `reg0=${REG.toGateway}`, goto(T.IngressMetric), PC);
  // Hairpin connections are not subject to ingress policies.
  f.add(T.IngressSecurityClassifier, 200, 'ct_mark=0x40/0x40', goto(T.ConntrackCommit), cookie('NetworkPolicy'));
  f.add(T.IngressSecurityClassifier, 200, `reg0=${REG.toTunnel}`, goto(T.IngressMetric), PC);
  f.add(T.IngressSecurityClassifier, 0, '', goto(T.AntreaPolicyIngressRule), D);
  f.add(T.AntreaPolicyIngressRule, 0, '', goto(T.IngressRule), D);
  f.add(T.IngressRule, 0, '', goto(T.IngressDefaultRule), D);
  for (const p of n.ingressIsolated) {
    const port = localByKey.get(`${p.namespace}/${p.name}`);
    if (port) f.add(T.IngressDefaultRule, 200, `reg1=0x${port.ofport.toString(16)}`, 'drop', NP);
  }
  f.add(T.IngressDefaultRule, 0, '', goto(T.IngressMetric), D);
  f.add(T.IngressMetric, 0, '', goto(T.ConntrackCommit), D);
  // New connections not SNATed by Antrea (ConnSNATCTMark 0x20) are committed with the packet's
  // source (PktSourceField) in ct_mark[0..3].
  f.add(T.ConntrackCommit, 200, 'ct_state=+new+trk,ct_mark=0/0x20,ip', `ct(commit,table=${T.Output},zone=${CT_ZONE},exec(move:NXM_NX_REG0[0..3]->NXM_NX_CT_MARK[0..3]))`, PC);
  f.add(T.ConntrackCommit, 0, '', goto(T.Output), D);
  f.add(T.Output, 210, 'ct_mark=0x40/0x40', 'IN_PORT', PC);
  f.add(T.Output, 200, `reg0=${REG.outputToPort}`, 'output:NXM_NX_REG1[]', PC);
  // NetworkPolicy packet-ins (initLoggingFlows): one flow per packet-in operation set (logging 1,
  // reject 2, deny store 4), userdata = category NP (1) and the operations. No meter: the lab's
  // dummy datapath has none.
  for (let op = 1; op <= 7; op++) {
    f.add(T.Output, 200, `reg0=0x${(0x400000 + op * 0x2000000).toString(16)}/0xfe600000`, `controller(reason=no_match,id=62373,userdata=01.0${op})`, cookie('NetworkPolicy'));
  }
  f.add(T.Output, 0, '', 'drop', D);
  return f.lines();
}

/**
 * The flows of one rule on one node (nothing when no applied pod is local), as the agent installs
 * them: one conjunctive match flow per clause value — From (clause 1), To (clause 2), Service
 * (clause 3, only when the rule has ports) — and the `conj_id=` action flow. Ingress: From = peer
 * source addresses, To = the applied pods' target ports (reg1); egress: From = the applied pods'
 * IPs, To = peer destination addresses. Allow commits the connection with the rule ID in ct_label
 * and continues in the metric table; Drop/Reject mark the packet (reg3 = rule ID, APDenyRegMark)
 * and the metric table drops it (Reject: also a copy to the agent through the packet-in group);
 * Pass continues in the K8s rule table.
 */
function policyFlows(f: FlowSet, r: PolicyRule, local: Map<string, AntreaPodPort>, packetInGroup: Map<number, number>): void {
  const appliedPorts = r.appliedTo.map((p) => local.get(`${p.namespace}/${p.name}`)).filter((p): p is AntreaPodPort => p !== undefined);
  if (appliedPorts.length === 0) return;
  const ingress = r.direction === 'Ingress';
  const table = T[r.table];
  const metric = ingress ? T.IngressMetric : T.EgressMetric;
  const ck = cookie('NetworkPolicy', r.conjId);
  const id = `0x${r.conjId.toString(16)}`;
  const conjReg = ingress ? 'reg6' : 'reg5';
  switch (r.action) {
    case 'Allow': {
      // Ingress rule IDs live in ct_label[0..31], egress rule IDs in ct_label[32..63].
      const label = ingress ? `${id}/0xffffffff` : `0x${(BigInt(r.conjId) << 32n).toString(16)}/0xffffffff00000000`;
      f.add(table, r.actionPriority, `conj_id=${r.conjId},ip`, `set_field:${id}->${conjReg},ct(commit,table=${metric},zone=${CT_ZONE},exec(set_field:${label}->ct_label))`, ck);
      f.add(metric, 200, `ct_state=+new,ct_label=${label},ip`, `goto_table:${metric + 1}`, ck);
      f.add(metric, 200, `ct_state=-new,ct_label=${label},ip`, `goto_table:${metric + 1}`, ck);
      break;
    }
    case 'Pass':
      f.add(table, r.actionPriority, `conj_id=${r.conjId}`, `set_field:${id}->${conjReg},goto_table:${ingress ? T.IngressRule : T.EgressRule}`, ck);
      break;
    case 'Drop':
    case 'Reject':
      // Both mark the packet (reg3 = rule ID, APDenyRegMark) for the metric table, which drops
      // it. A Reject also goes through the packet-in group: the agent gets a copy (operation
      // reject, with the rule's table in reg2) and answers with a TCP RST / ICMP unreachable.
      f.add(
        table,
        r.actionPriority,
        `conj_id=${r.conjId}`,
        r.action === 'Drop'
          ? `set_field:${id}->reg3,set_field:${REG.apDeny}->reg0,goto_table:${metric}`
          : `set_field:${id}->reg3,set_field:${REG.apDeny}->reg0,set_field:${REG.packetInReject}->reg0,set_field:0x${table.toString(16)}/0xff->reg2,group:${packetInGroup.get(metric)}`,
        ck,
      );
      f.add(metric, 200, `reg0=${REG.apDeny},reg3=${id}`, 'drop', ck);
      break;
  }
  const n = r.services ? 3 : 2;
  const appliedMatches = appliedPorts.map((p) => (ingress ? `reg1=0x${p.ofport.toString(16)}` : `ip,nw_src=${p.ip}`));
  const peerMatches = r.peers.map((a) => `ip,${ingress ? 'nw_src' : 'nw_dst'}=${a}`);
  const [from, to] = ingress ? [peerMatches, appliedMatches] : [appliedMatches, peerMatches];
  for (const m of from) f.add(table, r.ovsPriority, m, `conjunction(${r.conjId},1/${n})`, ck);
  for (const m of to) f.add(table, r.ovsPriority, m, `conjunction(${r.conjId},2/${n})`, ck);
  for (const s of r.services ?? []) f.add(table, r.ovsPriority, s.port ? `${s.protocol},tp_dst=${portMatchText(s.port)}` : s.protocol, `conjunction(${r.conjId},3/${n})`, ck);
}
