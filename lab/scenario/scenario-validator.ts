/**
 * Validation of a lab scenario. Pure: takes the parsed YAML value and returns the problems found,
 * each naming its entry, so the lab can refuse a bad scenario before starting any process.
 */
import { cidrContains, cidrLast, cidrsOverlap, formatIp, parseCidr, parseIp, type ParsedCidr, type ParsedIp } from './ip-address.js';
import { validateAntreaParts } from './antrea-scenario-validator.js';
import { matches, matchesMap, selectorProblem } from './label-selector.js';
import type {
  LabelSelector,
  NetworkPolicyPeer,
  Scenario,
  ScenarioNetworkPolicy,
  ScenarioPod,
  ScenarioService,
} from './scenario-types.js';

/** Namespace that always exists, like in a real cluster. */
export const IMPLICIT_NAMESPACES = ['default'];
/** Namespace the lab itself fills with ovnkube-node pods; scenarios may not put pods there. */
export const LAB_SYSTEM_NAMESPACE = 'ovn-kubernetes';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP_LEVEL_KEYS = ['name', 'flavour', 'ovn', 'nodes', 'namespaces', 'pods', 'services', 'networkPolicies', 'antreaNetworkPolicies', 'liveTraffic', 'restrictedUserDenies'];
const NODE_KEYS = ['name', 'podSubnet', 'podSubnetV6', 'nodeIP', 'labels'];
const NAMESPACE_KEYS = ['name', 'labels', 'annotations'];
/** The namespace annotation ovn-kubernetes reads for ACL logging, and the OVN ACL severities. */
const ACL_LOGGING_ANNOTATION = 'k8s.ovn.org/acl-logging';
const ACL_SEVERITIES = ['alert', 'warning', 'notice', 'info', 'debug'];
/** The Kubernetes default NodePort range. */
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const POD_KEYS = ['name', 'namespace', 'node', 'labels', 'ip', 'ipv6', 'hostNetwork', 'ports', 'ready'];
const SERVICE_KEYS = ['name', 'namespace', 'clusterIP', 'clusterIPv6', 'selector', 'ports', 'type', 'externalIPs'];
const POLICY_KEYS = ['name', 'namespace', 'spec'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a parsed scenario. Returns the list of problems (empty when the scenario is valid).
 * The checks follow what Kubernetes and ovn-kubernetes would refuse or silently mis-handle.
 */
export function validateScenario(input: unknown): string[] {
  const issues: string[] = [];
  if (!isObj(input)) return ['the scenario must be a YAML map with name, nodes and pods'];
  const s = input as Obj;
  unknownKeys(s, TOP_LEVEL_KEYS, 'scenario', issues);

  if (typeof s.name !== 'string' || !DNS_LABEL.test(s.name)) {
    issues.push(`name: must be a lowercase DNS label (got ${JSON.stringify(s.name)}); it names the lab's state directory`);
  }
  if (s.flavour !== undefined && s.flavour !== 'ovn-kubernetes' && s.flavour !== 'antrea') {
    issues.push(`flavour: must be "ovn-kubernetes" or "antrea" (got ${JSON.stringify(s.flavour)})`);
  }
  if (s.ovn !== undefined) {
    if (!isObj(s.ovn)) issues.push('ovn: must be a map, e.g. { mode: interconnect }');
    else {
      unknownKeys(s.ovn, ['mode', 'gatewayMode', 'aclExternalIds'], 'ovn', issues);
      if (s.ovn.mode !== undefined && s.ovn.mode !== 'interconnect' && s.ovn.mode !== 'central') {
        issues.push(`ovn.mode: must be "interconnect" or "central" (got ${JSON.stringify(s.ovn.mode)})`);
      }
      if (s.ovn.gatewayMode !== undefined && s.ovn.gatewayMode !== 'shared' && s.ovn.gatewayMode !== 'local') {
        issues.push(`ovn.gatewayMode: must be "shared" (ovn-kubernetes' default) or "local" (got ${JSON.stringify(s.ovn.gatewayMode)})`);
      }
      if (s.ovn.aclExternalIds !== undefined && !['current', 'v2023', 'legacy'].includes(s.ovn.aclExternalIds as string)) {
        issues.push(`ovn.aclExternalIds: must be "current", "v2023" or "legacy" (got ${JSON.stringify(s.ovn.aclExternalIds)})`);
      }
    }
  }

  // --- nodes ---------------------------------------------------------------------------------
  const nodes = listOf(s.nodes, 'nodes', issues, true);
  const nodeInfo = new Map<string, { v4?: ParsedCidr; v6?: ParsedCidr; ip?: ParsedIp }>();
  const nodeIps = new Map<string, string>();
  const subnets: Array<{ cidr: ParsedCidr; owner: string }> = [];
  nodes.forEach((n, i) => {
    const where = `nodes[${i}]${isObj(n) && typeof n.name === 'string' ? ` "${n.name}"` : ''}`;
    if (!isObj(n)) return void issues.push(`${where}: must be a map with name, podSubnet and nodeIP`);
    unknownKeys(n, NODE_KEYS, where, issues);
    if (typeof n.name !== 'string' || !DNS_SUBDOMAIN.test(n.name)) {
      return void issues.push(`${where}: name must be a lowercase DNS name (got ${JSON.stringify(n.name)})`);
    }
    if (nodeInfo.has(n.name)) return void issues.push(`${where}: duplicate node name "${n.name}"`);
    const info: { v4?: ParsedCidr; v6?: ParsedCidr; ip?: ParsedIp } = {};
    nodeInfo.set(n.name, info);
    const v4 = typeof n.podSubnet === 'string' ? parseCidr(n.podSubnet, true) : undefined;
    if (!v4 || v4.family !== 4) {
      issues.push(`${where}: podSubnet ${JSON.stringify(n.podSubnet)} is not an IPv4 CIDR with its host bits clear (e.g. 10.244.1.0/24)`);
    } else if (v4.prefix > 29) {
      issues.push(`${where}: podSubnet ${n.podSubnet} is too small (needs room for the gateway .1 and management .2 addresses)`);
    } else info.v4 = v4;
    if (n.podSubnetV6 !== undefined) {
      const v6 = typeof n.podSubnetV6 === 'string' ? parseCidr(n.podSubnetV6, true) : undefined;
      if (!v6 || v6.family !== 6) {
        issues.push(`${where}: podSubnetV6 ${JSON.stringify(n.podSubnetV6)} is not an IPv6 CIDR with its host bits clear (e.g. fd00:10:244:1::/64)`);
      } else if (v6.prefix > 120) {
        issues.push(`${where}: podSubnetV6 ${n.podSubnetV6} is too small`);
      } else info.v6 = v6;
    }
    for (const c of [info.v4, info.v6]) {
      if (!c) continue;
      const clash = subnets.find((o) => cidrsOverlap(o.cidr, c));
      if (clash) issues.push(`${where}: pod subnet overlaps the pod subnet of ${clash.owner}`);
      subnets.push({ cidr: c, owner: `node "${n.name}"` });
    }
    const ip = typeof n.nodeIP === 'string' ? parseIp(n.nodeIP) : undefined;
    if (!ip || ip.family !== 4) issues.push(`${where}: nodeIP ${JSON.stringify(n.nodeIP)} is not an IPv4 address`);
    else {
      info.ip = ip;
      const other = nodeIps.get(String(ip.value));
      if (other) issues.push(`${where}: nodeIP ${n.nodeIP} is already used by node "${other}"`);
      else nodeIps.set(String(ip.value), n.name);
      const inSubnet = subnets.find((o) => cidrContains(o.cidr, ip));
      if (inSubnet) issues.push(`${where}: nodeIP ${n.nodeIP} lies inside the pod subnet of ${inSubnet.owner}`);
      // The node network is a /16 (a kind network) whose first host is the nodes' default gateway.
      const nodeNet = parseCidr(`${n.nodeIP}/16`)!;
      if (ip.value === nodeNet.network || ip.value === nodeNet.network + 1n || ip.value === cidrLast(nodeNet)) {
        issues.push(`${where}: nodeIP ${n.nodeIP} is the network, gateway (.1) or broadcast address of its /16 node network`);
      }
      if (parseCidr('100.64.0.0/16')!.network === (ip.value & ~0xffffn) || parseCidr('169.254.0.0/16')!.network === (ip.value & ~0xffffn)) {
        issues.push(`${where}: nodeIP ${n.nodeIP} lies in ovn-kubernetes' join (100.64.0.0/16) or link-local masquerade range`);
      }
    }
    labelsProblem(n.labels, `${where}: labels`, issues);
  });

  // --- namespaces ----------------------------------------------------------------------------
  const namespaces = new Map<string, Record<string, string>>();
  for (const ns of IMPLICIT_NAMESPACES) namespaces.set(ns, { 'kubernetes.io/metadata.name': ns });
  listOf(s.namespaces, 'namespaces', issues, false).forEach((ns, i) => {
    const where = `namespaces[${i}]${isObj(ns) && typeof ns.name === 'string' ? ` "${ns.name}"` : ''}`;
    if (!isObj(ns)) return void issues.push(`${where}: must be a map with a name`);
    unknownKeys(ns, NAMESPACE_KEYS, where, issues);
    if (typeof ns.name !== 'string' || !DNS_LABEL.test(ns.name)) {
      return void issues.push(`${where}: name must be a lowercase DNS label (got ${JSON.stringify(ns.name)})`);
    }
    if (ns.name === LAB_SYSTEM_NAMESPACE) {
      return void issues.push(`${where}: namespace "${LAB_SYSTEM_NAMESPACE}" is reserved for the lab's ovnkube-node pods`);
    }
    if (namespaces.has(ns.name) && !IMPLICIT_NAMESPACES.includes(ns.name)) {
      return void issues.push(`${where}: duplicate namespace name "${ns.name}"`);
    }
    labelsProblem(ns.labels, `${where}: labels`, issues);
    labelsProblem(ns.annotations, `${where}: annotations`, issues);
    if (isObj(ns.annotations) && ns.annotations[ACL_LOGGING_ANNOTATION] !== undefined) {
      aclLoggingProblem(ns.annotations[ACL_LOGGING_ANNOTATION], `${where}: annotations["${ACL_LOGGING_ANNOTATION}"]`, issues);
    }
    // Kubernetes adds this label to every namespace; selectors commonly rely on it.
    namespaces.set(ns.name, { ...(isObj(ns.labels) ? (ns.labels as Record<string, string>) : {}), 'kubernetes.io/metadata.name': ns.name });
  });
  const knownNamespace = (ns: unknown, where: string): boolean => {
    if (typeof ns !== 'string' || ns === '') {
      issues.push(`${where}: namespace is required`);
      return false;
    }
    if (!namespaces.has(ns)) {
      issues.push(`${where}: namespace "${ns}" is not defined in namespaces; add it there (only "default" exists implicitly)`);
      return false;
    }
    return true;
  };

  // --- pods ----------------------------------------------------------------------------------
  const pods: ScenarioPod[] = [];
  const podKeys = new Set<string>();
  const usedIps = new Map<string, string>();
  const claimIp = (ip: ParsedIp, owner: string, where: string): void => {
    const key = `${ip.family}:${ip.value}`;
    const other = usedIps.get(key);
    if (other) issues.push(`${where}: IP address is already used by ${other}`);
    else usedIps.set(key, owner);
  };
  listOf(s.pods, 'pods', issues, true).forEach((p, i) => {
    const label = isObj(p) && typeof p.name === 'string' ? ` "${String(p.namespace ?? '?')}/${p.name}"` : '';
    const where = `pods[${i}]${label}`;
    if (!isObj(p)) return void issues.push(`${where}: must be a map with name, namespace and node`);
    unknownKeys(p, POD_KEYS, where, issues);
    if (typeof p.name !== 'string' || !DNS_SUBDOMAIN.test(p.name)) {
      return void issues.push(`${where}: name must be a lowercase DNS name (got ${JSON.stringify(p.name)})`);
    }
    if (p.namespace === LAB_SYSTEM_NAMESPACE) {
      return void issues.push(`${where}: namespace "${LAB_SYSTEM_NAMESPACE}" is reserved for the lab's ovnkube-node pods`);
    }
    let ok = knownNamespace(p.namespace, where);
    const key = `${String(p.namespace)}/${p.name}`;
    if (podKeys.has(key)) {
      issues.push(`${where}: duplicate pod "${key}"`);
      ok = false;
    }
    podKeys.add(key);
    const node = typeof p.node === 'string' ? nodeInfo.get(p.node) : undefined;
    if (!node) {
      issues.push(`${where}: node ${JSON.stringify(p.node)} is not defined in nodes`);
      ok = false;
    }
    labelsProblem(p.labels, `${where}: labels`, issues);
    if (p.hostNetwork !== undefined && typeof p.hostNetwork !== 'boolean') issues.push(`${where}: hostNetwork must be true or false`);
    if (p.ready !== undefined && typeof p.ready !== 'boolean') issues.push(`${where}: ready must be true or false`);
    if (p.hostNetwork === true) {
      if (p.ip !== undefined && node?.ip) {
        const ip = typeof p.ip === 'string' ? parseIp(p.ip) : undefined;
        if (!ip || ip.value !== node.ip.value || ip.family !== 4) {
          issues.push(`${where}: a hostNetwork pod's ip must be its node's nodeIP ${formatIp(node.ip)}, got ${JSON.stringify(p.ip)}`);
        }
      }
      if (p.ipv6 !== undefined) issues.push(`${where}: a hostNetwork pod cannot have its own ipv6 (nodes are IPv4-only in the lab)`);
    } else {
      if (p.ip === undefined && p.ipv6 === undefined) issues.push(`${where}: needs an ip (and/or ipv6) inside its node's pod subnet`);
      if (p.ip !== undefined) {
        const ip = typeof p.ip === 'string' ? parseIp(p.ip) : undefined;
        if (!ip || ip.family !== 4) issues.push(`${where}: ip ${JSON.stringify(p.ip)} is not an IPv4 address`);
        else {
          if (node?.v4) {
            if (!cidrContains(node.v4, ip)) issues.push(`${where}: ip ${p.ip} is outside node "${String(p.node)}" podSubnet`);
            else if (ip.value - node.v4.network <= 2n || ip.value === cidrLast(node.v4)) {
              issues.push(`${where}: ip ${p.ip} is reserved (network, gateway .1, management port .2 or broadcast address)`);
            }
          }
          claimIp(ip, `pod "${key}"`, where);
        }
      }
      if (p.ipv6 !== undefined) {
        const ip = typeof p.ipv6 === 'string' ? parseIp(p.ipv6) : undefined;
        if (!ip || ip.family !== 6) issues.push(`${where}: ipv6 ${JSON.stringify(p.ipv6)} is not an IPv6 address`);
        else {
          if (node && !node.v6) issues.push(`${where}: has ipv6 but node "${String(p.node)}" has no podSubnetV6`);
          else if (node?.v6) {
            if (!cidrContains(node.v6, ip)) issues.push(`${where}: ipv6 ${p.ipv6} is outside node "${String(p.node)}" podSubnetV6`);
            else if (ip.value - node.v6.network <= 2n) issues.push(`${where}: ipv6 ${p.ipv6} is reserved (network, gateway ::1 or management ::2)`);
          }
          claimIp(ip, `pod "${key}"`, where);
        }
      }
    }
    if (p.ports !== undefined) {
      if (!Array.isArray(p.ports)) issues.push(`${where}: ports must be a list`);
      else
        p.ports.forEach((port, j) => {
          const pw = `${where}: ports[${j}]`;
          if (!isObj(port)) return void issues.push(`${pw} must be a map with containerPort`);
          unknownKeys(port, ['name', 'containerPort', 'protocol'], pw, issues);
          if (!validPort(port.containerPort)) issues.push(`${pw}: containerPort must be 1-65535`);
          if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) issues.push(`${pw}: protocol must be TCP, UDP or SCTP`);
          if (port.name !== undefined && (typeof port.name !== 'string' || !DNS_LABEL.test(port.name))) issues.push(`${pw}: name must be a lowercase DNS label`);
        });
    }
    if (ok) pods.push(p as unknown as ScenarioPod);
  });
  // Node IPs are owned by the nodes (and their hostNetwork pods): no pod or service may reuse them.
  for (const [v, name] of nodeIps) usedIps.set(`4:${v}`, `node "${name}"`);

  // --- services ------------------------------------------------------------------------------
  const serviceKeys = new Set<string>();
  const nodePorts = new Map<string, string>();
  listOf(s.services, 'services', issues, false).forEach((svc, i) => {
    const label = isObj(svc) && typeof svc.name === 'string' ? ` "${String(svc.namespace ?? '?')}/${svc.name}"` : '';
    const where = `services[${i}]${label}`;
    if (!isObj(svc)) return void issues.push(`${where}: must be a map`);
    unknownKeys(svc, SERVICE_KEYS, where, issues);
    if (typeof svc.name !== 'string' || !DNS_LABEL.test(svc.name)) {
      return void issues.push(`${where}: name must be a lowercase DNS label (got ${JSON.stringify(svc.name)})`);
    }
    const nsOk = knownNamespace(svc.namespace, where);
    const key = `${String(svc.namespace)}/${svc.name}`;
    if (serviceKeys.has(key)) issues.push(`${where}: duplicate service "${key}"`);
    serviceKeys.add(key);
    const checkVip = (field: 'clusterIP' | 'clusterIPv6', family: 4 | 6): void => {
      const text = svc[field];
      if (text === undefined) {
        if (field === 'clusterIP') issues.push(`${where}: clusterIP is required`);
        return;
      }
      const ip = typeof text === 'string' ? parseIp(text) : undefined;
      if (!ip || ip.family !== family) return void issues.push(`${where}: ${field} ${JSON.stringify(text)} is not an IPv${family} address`);
      const inSubnet = subnets.find((o) => cidrContains(o.cidr, ip));
      if (inSubnet) issues.push(`${where}: ${field} ${text} lies inside the pod subnet of ${inSubnet.owner}`);
      claimIp(ip, `service "${key}"`, where);
    };
    checkVip('clusterIP', 4);
    checkVip('clusterIPv6', 6);
    if (svc.type !== undefined && svc.type !== 'ClusterIP' && svc.type !== 'NodePort') {
      issues.push(`${where}: type must be "ClusterIP" or "NodePort" (got ${JSON.stringify(svc.type)}); LoadBalancer and ExternalName services are not modelled`);
    }
    const antrea = s.flavour === 'antrea';
    if (antrea && svc.type === 'NodePort') issues.push(`${where}: the antrea flavour does not model NodePort services`);
    if (svc.externalIPs !== undefined) {
      if (antrea) issues.push(`${where}: the antrea flavour does not model externalIPs`);
      if (!Array.isArray(svc.externalIPs)) issues.push(`${where}: externalIPs must be a list of IP addresses`);
      else
        svc.externalIPs.forEach((e, k) => {
          const ip = typeof e === 'string' ? parseIp(e) : undefined;
          if (!ip) return void issues.push(`${where}: externalIPs[${k}] ${JSON.stringify(e)} is not an IP address`);
          const inSubnet = subnets.find((o) => cidrContains(o.cidr, ip));
          if (inSubnet) issues.push(`${where}: externalIPs[${k}] ${String(e)} lies inside the pod subnet of ${inSubnet.owner}`);
          claimIp(ip, `service "${key}"`, where);
        });
    }
    let selected: ScenarioPod[] = [];
    if (!isObj(svc.selector) || Object.keys(svc.selector).length === 0) {
      issues.push(`${where}: selector must be a non-empty label map (the lab does not model selector-less services)`);
    } else {
      labelsProblem(svc.selector, `${where}: selector`, issues);
      selected = pods.filter((p) => p.namespace === svc.namespace && matchesMap(svc.selector as Record<string, string>, p.labels));
      if (nsOk && selected.length === 0) {
        issues.push(`${where}: selector ${JSON.stringify(svc.selector)} matches no pod in namespace "${String(svc.namespace)}"`);
      }
    }
    if (!Array.isArray(svc.ports) || svc.ports.length === 0) issues.push(`${where}: ports must be a non-empty list`);
    else {
      const seen = new Set<string>();
      svc.ports.forEach((port, j) => {
        const pw = `${where}: ports[${j}]`;
        if (!isObj(port)) return void issues.push(`${pw} must be a map with port`);
        unknownKeys(port, ['name', 'port', 'targetPort', 'protocol', 'nodePort'], pw, issues);
        if (!validPort(port.port)) issues.push(`${pw}: port must be 1-65535`);
        if (svc.type === 'NodePort') {
          const np = port.nodePort;
          if (typeof np !== 'number' || !Number.isInteger(np) || np < NODE_PORT_MIN || np > NODE_PORT_MAX) {
            issues.push(`${pw}: a NodePort service needs nodePort ${NODE_PORT_MIN}-${NODE_PORT_MAX} on every port (the lab does not allocate them)`);
          } else {
            const npKey = `${String(port.protocol ?? 'TCP')}/${np}`;
            const owner = nodePorts.get(npKey);
            if (owner) issues.push(`${pw}: nodePort ${np}/${String(port.protocol ?? 'TCP')} is already used by service "${owner}"`);
            else nodePorts.set(npKey, key);
          }
        } else if (port.nodePort !== undefined) issues.push(`${pw}: nodePort is only allowed on a service of type NodePort`);
        const proto = (port.protocol ?? 'TCP') as string;
        if (!PROTOCOLS.includes(proto)) issues.push(`${pw}: protocol must be TCP, UDP or SCTP`);
        const dup = `${proto}/${String(port.port)}`;
        if (seen.has(dup)) issues.push(`${pw}: duplicate port ${String(port.port)}/${proto}`);
        seen.add(dup);
        if (svc.ports && (svc.ports as unknown[]).length > 1 && typeof port.name !== 'string') {
          issues.push(`${pw}: a service with several ports must name each port`);
        }
        if (typeof port.targetPort === 'string') {
          const named = port.targetPort;
          const resolvable = selected.some((p) => (p.ports ?? []).some((cp) => cp.name === named && (cp.protocol ?? 'TCP') === proto));
          if (selected.length > 0 && !resolvable) issues.push(`${pw}: targetPort "${named}" is not a ${proto} container port name of any selected pod`);
        } else if (port.targetPort !== undefined && !validPort(port.targetPort)) {
          issues.push(`${pw}: targetPort must be 1-65535 or a container port name`);
        }
      });
    }
  });

  // --- network policies ----------------------------------------------------------------------
  const policyKeys = new Set<string>();
  listOf(s.networkPolicies, 'networkPolicies', issues, false).forEach((np, i) => {
    const label = isObj(np) && typeof np.name === 'string' ? ` "${String(np.namespace ?? '?')}/${np.name}"` : '';
    const where = `networkPolicies[${i}]${label}`;
    if (!isObj(np)) return void issues.push(`${where}: must be a map with name, namespace and spec`);
    unknownKeys(np, POLICY_KEYS, where, issues);
    if (typeof np.name !== 'string' || !DNS_SUBDOMAIN.test(np.name)) {
      return void issues.push(`${where}: name must be a lowercase DNS name (got ${JSON.stringify(np.name)})`);
    }
    const nsOk = knownNamespace(np.namespace, where);
    const key = `${String(np.namespace)}/${np.name}`;
    if (policyKeys.has(key)) issues.push(`${where}: duplicate NetworkPolicy "${key}"`);
    policyKeys.add(key);
    if (!isObj(np.spec)) return void issues.push(`${where}: spec is required (at least spec.podSelector)`);
    validatePolicySpec(np as unknown as ScenarioNetworkPolicy, where, nsOk, pods, namespaces, issues);
  });

  // --- Antrea-native policies and live traffic (antrea flavour) ---------------------------------
  validateAntreaParts(s, { flavour: s.flavour, pods, namespaces }, issues);

  // --- restricted user -----------------------------------------------------------------------
  listOf(s.restrictedUserDenies, 'restrictedUserDenies', issues, false).forEach((d, i) => {
    if (typeof d !== 'string' || !/^[a-z*]+ [a-z0-9.*/-]+$/.test(d)) {
      issues.push(`restrictedUserDenies[${i}]: must be "<verb> <resource>", e.g. "create pods/exec" (got ${JSON.stringify(d)})`);
    }
  });
  return issues;
}

function validatePolicySpec(
  np: ScenarioNetworkPolicy,
  where: string,
  nsOk: boolean,
  pods: ScenarioPod[],
  namespaces: Map<string, Record<string, string>>,
  issues: string[],
): void {
  const spec = np.spec as unknown as Obj;
  unknownKeys(spec, ['podSelector', 'policyTypes', 'ingress', 'egress'], `${where}: spec`, issues);
  const selProblem = spec.podSelector === undefined ? 'is required (use {} for all pods)' : selectorProblem(spec.podSelector);
  const nonHostPods = pods.filter((p) => !p.hostNetwork);
  if (selProblem) issues.push(`${where}: spec.podSelector ${selProblem}`);
  else if (nsOk) {
    const sel = spec.podSelector as LabelSelector;
    const isEmpty = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    // {} in a namespace without pods is legitimate (a namespace-wide default deny); a specific
    // selector that selects nothing is almost always a typo in the scenario.
    if (!isEmpty && !nonHostPods.some((p) => p.namespace === np.namespace && matches(sel, p.labels))) {
      issues.push(`${where}: spec.podSelector matches no pod in namespace "${np.namespace}"`);
    }
  }
  if (spec.policyTypes !== undefined) {
    if (!Array.isArray(spec.policyTypes) || spec.policyTypes.some((t) => t !== 'Ingress' && t !== 'Egress')) {
      issues.push(`${where}: spec.policyTypes must be a list of "Ingress" and/or "Egress"`);
    }
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = spec[dir];
    if (rules === undefined) continue;
    if (!Array.isArray(rules)) {
      issues.push(`${where}: spec.${dir} must be a list`);
      continue;
    }
    const peerField = dir === 'ingress' ? 'from' : 'to';
    rules.forEach((rule, r) => {
      const rw = `${where}: spec.${dir}[${r}]`;
      if (!isObj(rule)) return void issues.push(`${rw} must be a map`);
      unknownKeys(rule, [peerField, 'ports'], rw, issues);
      const peers = rule[peerField];
      if (peers !== undefined) {
        if (!Array.isArray(peers)) issues.push(`${rw}.${peerField} must be a list`);
        else peers.forEach((peer, k) => validatePeer(peer, `${rw}.${peerField}[${k}]`, np.namespace, nonHostPods, namespaces, issues));
      }
      const ports = rule.ports;
      if (ports !== undefined) {
        if (!Array.isArray(ports)) issues.push(`${rw}.ports must be a list`);
        else
          ports.forEach((port, k) => {
            const pw = `${rw}.ports[${k}]`;
            if (!isObj(port)) return void issues.push(`${pw} must be a map`);
            unknownKeys(port, ['protocol', 'port', 'endPort'], pw, issues);
            if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) issues.push(`${pw}: protocol must be TCP, UDP or SCTP`);
            if (port.port !== undefined && typeof port.port !== 'string' && !validPort(port.port)) issues.push(`${pw}: port must be 1-65535 or a named port`);
            if (port.endPort !== undefined) {
              if (typeof port.port !== 'number') issues.push(`${pw}: endPort needs a numeric port`);
              else if (!validPort(port.endPort) || (port.endPort as number) < port.port) issues.push(`${pw}: endPort must be >= port and <= 65535`);
            }
          });
      }
    });
  }
}

function validatePeer(
  peer: unknown,
  where: string,
  policyNamespace: string,
  pods: ScenarioPod[],
  namespaces: Map<string, Record<string, string>>,
  issues: string[],
): void {
  if (!isObj(peer)) return void issues.push(`${where} must be a map`);
  unknownKeys(peer, ['podSelector', 'namespaceSelector', 'ipBlock'], where, issues);
  const p = peer as NetworkPolicyPeer;
  if (p.ipBlock !== undefined) {
    if (p.podSelector !== undefined || p.namespaceSelector !== undefined) {
      issues.push(`${where}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    }
    const cidr = isObj(p.ipBlock) && typeof p.ipBlock.cidr === 'string' ? parseCidr(p.ipBlock.cidr) : undefined;
    if (!cidr) return void issues.push(`${where}: ipBlock.cidr ${JSON.stringify(isObj(p.ipBlock) ? p.ipBlock.cidr : p.ipBlock)} is not a CIDR`);
    const except = (p.ipBlock as { except?: unknown }).except;
    if (except !== undefined) {
      if (!Array.isArray(except)) issues.push(`${where}: ipBlock.except must be a list of CIDRs`);
      else
        except.forEach((e, k) => {
          const ec = typeof e === 'string' ? parseCidr(e) : undefined;
          if (!ec) issues.push(`${where}: ipBlock.except[${k}] ${JSON.stringify(e)} is not a CIDR`);
          else if (ec.family !== cidr.family || ec.prefix < cidr.prefix || !cidrsOverlap(ec, cidr)) {
            issues.push(`${where}: ipBlock.except[${k}] ${String(e)} is not inside ${p.ipBlock!.cidr}`);
          }
        });
    }
    return;
  }
  if (p.podSelector === undefined && p.namespaceSelector === undefined) {
    return void issues.push(`${where}: a peer needs podSelector, namespaceSelector or ipBlock`);
  }
  for (const f of ['podSelector', 'namespaceSelector'] as const) {
    if (p[f] === undefined) continue;
    const problem = selectorProblem(p[f]);
    if (problem) return void issues.push(`${where}: ${f} ${problem}`);
  }
  let nsNames: string[] = [policyNamespace];
  if (p.namespaceSelector !== undefined) {
    nsNames = [...namespaces.entries()].filter(([, labels]) => matches(p.namespaceSelector!, labels)).map(([n]) => n);
    if (nsNames.length === 0) return void issues.push(`${where}: namespaceSelector matches no namespace`);
    if (p.podSelector === undefined) return;
  }
  // A peer that selects no pod allows nothing: in a lab scenario that is a mistake, not an intent.
  const any = pods.some((pod) => nsNames.includes(pod.namespace) && matches(p.podSelector!, pod.labels));
  if (!any) {
    const scope = p.namespaceSelector !== undefined ? 'the selected namespaces' : `namespace "${policyNamespace}"`;
    issues.push(`${where}: podSelector matches no pod in ${scope}`);
  }
}

/** `k8s.ovn.org/acl-logging`: JSON with `allow`/`deny` (ovn-kubernetes also has `pass`, for ANPs only). */
function aclLoggingProblem(raw: unknown, where: string, issues: string[]): void {
  if (typeof raw !== 'string') return;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return void issues.push(`${where}: must be JSON like {"deny":"info","allow":"info"} (got ${JSON.stringify(raw)})`);
  }
  if (!isObj(v)) return void issues.push(`${where}: must be a JSON object like {"deny":"info","allow":"info"}`);
  for (const [k, level] of Object.entries(v)) {
    if (k !== 'allow' && k !== 'deny') issues.push(`${where}: unknown key "${k}" (the lab models "allow" and "deny"; "pass" applies to AdminNetworkPolicies only)`);
    else if (typeof level !== 'string' || !ACL_SEVERITIES.includes(level)) issues.push(`${where}: ${k} must be one of ${ACL_SEVERITIES.join(', ')} (got ${JSON.stringify(level)})`);
  }
}

function listOf(v: unknown, field: string, issues: string[], required: boolean): unknown[] {
  if (v === undefined || v === null) {
    if (required) issues.push(`${field}: at least one entry is required`);
    return [];
  }
  if (!Array.isArray(v)) {
    issues.push(`${field}: must be a list`);
    return [];
  }
  if (required && v.length === 0) issues.push(`${field}: at least one entry is required`);
  return v;
}

function unknownKeys(o: Obj, allowed: string[], where: string, issues: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) issues.push(`${where}: unknown field "${k}" (allowed: ${allowed.join(', ')})`);
  }
}

function labelsProblem(v: unknown, where: string, issues: string[]): void {
  if (v === undefined) return;
  if (!isObj(v)) return void issues.push(`${where} must be a map of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') issues.push(`${where}.${k} must be a string (quote numbers and booleans)`);
  }
}

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** Convenience for callers holding an already-typed scenario. */
export function servicePods(scenario: Scenario, svc: ScenarioService): ScenarioPod[] {
  return scenario.pods.filter((p) => p.namespace === svc.namespace && matchesMap(svc.selector, p.labels));
}
