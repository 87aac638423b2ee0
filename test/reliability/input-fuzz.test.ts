// Reliability: a seeded fuzz of what nodes and controllers answer, mutated from real captured
// answers in test/fixtures (node probes of the OVN lab's real ovs-vsctl/ovn-sbctl, pod and node
// objects with ovn-kubernetes' annotations, whole Traceflow objects from the Antrea lab), through
// the pure parsers and normalizers. Every outcome must be a result or a typed error with a stable
// code, never "internal error"; and a result holds only values that are safe in a tool expression.
import { readFileSync } from 'node:fs';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIpAddress, isMacAddress, isOfport, isOvnName } from '../../core/cluster-values.js';
import { CniTraceError } from '../../core/errors.js';
import { validateTraceRequest } from '../../core/validate-request.js';
import { GLOBAL_VIRTUAL_MAC, ofprotoFlow } from '../../drivers/antrea-ovs/ovs-detail/ofproto-flow.js';
import { unusableFlowValue } from '../../drivers/antrea-ovs/ovs-detail/ovs-detail-run.js';
import { GATEWAY_INTERFACE, TUNNEL_INTERFACE, interfaceNamed, parseInterfaces, podInterface } from '../../drivers/antrea-ovs/ovs-detail/ovs-interfaces.js';
import { reportObservations } from '../../drivers/antrea-ovs/traceflow/observation-normalize.js';
import { requestFromTraceflow } from '../../drivers/antrea-ovs/traceflow/request-from-traceflow.js';
import { evaluateTraceflow, nodeReportLeg, traceflowObservations } from '../../drivers/antrea-ovs/traceflow/traceflow-evaluation.js';
import { checkTraceflowObject } from '../../drivers/antrea-ovs/traceflow/traceflow-shape.js';
import type { Traceflow } from '../../drivers/antrea-ovs/traceflow/traceflow-types.js';
import { ovnNodeFromObjects, podEndpoint } from '../../drivers/ovn/discovery/cluster-discovery.js';
import { parseNodeProbe } from '../../drivers/ovn/discovery/node-probe.js';
import { fixturePath } from '../helpers/paths.js';

const SEED = Number(process.env.CNI_TRACE_FUZZ_SEED ?? 20261204);

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Mutator {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** Values that break types and ranges. */
  value(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => true,
      () => -1,
      () => 0,
      () => 1e20,
      () => 2 ** 53,
      () => 70000,
      () => 3.5,
      () => '',
      () => 'x',
      () => '0a:58:0a:f4:01:05,in_port=1',
      () => 'fe80::1%eth0',
      () => '10.0.0.1/99',
      () => '"; rm -rf /',
      () => 'a'.repeat(500),
      () => '\u0000\n',
      () => [],
      () => ({}),
      () => [[1, 2, 3]],
      () => ['map', [['k']]],
      () => ['set', 'notalist'],
      () => ({ nested: { deep: [null] } }),
    ])();
  }
  /** A string changed a little (a char inserted, replaced or removed). */
  string(s: string): string {
    const junk = this.pick([',', '=', ' ', '"', '\\', '%eth0', '::', '/', '(', '\n', 'é', '\u0000', '9', 'z']);
    const i = this.int(s.length + 1);
    switch (this.int(3)) {
      case 0:
        return s.slice(0, i) + junk + s.slice(i);
      case 1:
        return s.slice(0, i) + junk + s.slice(i + 1);
      default:
        return s.slice(0, i) + s.slice(i + 1 + this.int(4));
    }
  }
  /** Mutates a JSON value in place at a random path (returns the possibly replaced root). */
  json(root: unknown): unknown {
    const paths: Array<{ parent: any; key: string | number }> = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach((x, i) => (paths.push({ parent: v, key: i }), walk(x)));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths.push({ parent: v, key: k }), walk(x);
    };
    walk(root);
    if (paths.length === 0 || this.int(40) === 0) return this.value();
    const { parent, key } = this.pick(paths);
    const current = parent[key];
    switch (this.int(5)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 1:
        parent[key] = typeof current === 'string' ? this.string(current) : typeof current === 'number' ? this.pick([current * 1e12, -current, current + 0.5, Number.MAX_SAFE_INTEGER]) : this.value();
        break;
      case 2:
        if (Array.isArray(current) && current.length) current.push(structuredClone(current[this.int(current.length)]));
        else parent[key] = this.value();
        break;
      default:
        parent[key] = this.value();
    }
    return root;
  }
  /** Mutates text (truncation, junk, dropped or repeated lines, a JSON value changed). */
  text(s: string): string {
    const lines = s.split('\n');
    switch (this.int(6)) {
      case 0:
        return s.slice(0, this.int(s.length));
      case 1:
        return this.string(s);
      case 2: {
        lines.splice(this.int(lines.length), 1);
        return lines.join('\n');
      }
      case 3: {
        const i = this.int(lines.length);
        lines.splice(i, 0, lines[this.int(lines.length)]!);
        return lines.join('\n');
      }
      default: {
        // A JSON line (an OVSDB table) mutated structurally.
        const jsonLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('{'));
        if (!jsonLines.length) return this.string(s);
        const [line, i] = this.pick(jsonLines);
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          return this.string(s);
        }
        lines[i] = JSON.stringify(this.json(parsed));
        return lines.join('\n');
      }
    }
  }
}

/** Outcomes of a fuzz run, by kind. */
class Outcomes {
  results = 0;
  readonly codes = new Map<string, number>();
  readonly failures: string[] = [];
  constructor(readonly name: string) {}
  run(label: string, fn: () => void): void {
    try {
      fn();
      this.results++;
    } catch (err) {
      if (err instanceof CniTraceError && err.code !== 'INTERNAL') this.codes.set(err.code, (this.codes.get(err.code) ?? 0) + 1);
      else if (this.failures.length < 5) this.failures.push(`${label}: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n')}` : String(err)}`);
      else this.failures.push(`${label}: ${String(err).slice(0, 200)}`);
    }
  }
  total(): number {
    return this.results + [...this.codes.values()].reduce((a, b) => a + b, 0) + this.failures.length;
  }
  report(): string {
    return `${this.name}: ${this.total()} cases, ${this.results} results, typed errors ${JSON.stringify(Object.fromEntries(this.codes))}, ${this.failures.length} internal`;
  }
}

const probeTexts = ['node-probe-ovn-worker', 'node-probe-ovn-worker2'].map((n) => ({ node: n.replace('node-probe-', ''), text: readFileSync(fixturePath('ovn', 'lab', `${n}.txt`), 'utf8') }));
const interfaceListings = ['antrea-worker', 'antrea-worker2'].map((n) => readFileSync(fixturePath('antrea', 'traceflow', `ovs-interfaces-${n}.txt`), 'utf8'));
const traceflows = ['internode-delivered', 'same-node-service-delivered', 'anp-drop', 'default-deny-drop', 'icmp-internode'].map(
  (n) => JSON.parse(readFileSync(fixturePath('antrea', 'traceflow', `${n}.json`), 'utf8')) as Traceflow,
);

/** A pod and node as the OVN lab's API serves them (ovn-kubernetes' annotation formats). */
const POD: V1Pod = {
  metadata: {
    namespace: 'frontend',
    name: 'client',
    annotations: {
      'k8s.ovn.org/pod-networks': '{"default":{"ip_addresses":["10.244.1.5/24","fd00:10:244:1::5/64"],"mac_address":"0a:58:0a:f4:01:05","gateway_ips":["10.244.1.1","fd00:10:244:1::1"],"ip_address":"10.244.1.5/24","gateway_ip":"10.244.1.1","role":"primary"}}',
    },
  },
  spec: { nodeName: 'ovn-worker', containers: [{ name: 'app' }] },
  status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }] },
};
const NODE: V1Node = {
  metadata: {
    name: 'ovn-worker',
    annotations: {
      'k8s.ovn.org/zone-name': 'ovn-worker',
      'k8s.ovn.org/node-subnets': '{"default":["10.244.1.0/24","fd00:10:244:1::/64"]}',
      'k8s.ovn.org/l3-gateway-config': '{"default":{"mode":"local"}}',
    },
  },
  status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
};
const TOOLS_POD: V1Pod = { metadata: { namespace: 'ovn-kubernetes', name: 'ovnkube-node-a' }, spec: { containers: [{ name: 'ovnkube-controller' }] } };

test('node probe answers: results hold only valid values, everything else is NODE_PROBE_MALFORMED', () => {
  const m = new Mutator(rng(SEED));
  const out = new Outcomes('node probe fuzz');
  for (let i = 0; i < 1500; i++) {
    const { node, text } = m.pick(probeTexts);
    let mutated = text;
    for (let k = 1 + m.int(3); k > 0; k--) mutated = m.text(mutated);
    out.run(`probe #${i}`, () => {
      const probe = parseNodeProbe(node, mutated);
      for (const mac of [probe.rtosMac, probe.rtotsMac]) if (mac !== undefined) assert.ok(isMacAddress(mac), `router MAC ${mac}`);
      for (const iface of probe.interfaces) {
        assert.ok(isOvnName(iface.name), `interface name ${iface.name}`);
        if (iface.ofport !== undefined) assert.ok(isOfport(iface.ofport), `ofport ${iface.ofport}`);
        if (iface.macInUse !== undefined) assert.ok(isMacAddress(iface.macInUse), `mac_in_use ${iface.macInUse}`);
      }
    });
  }
  console.log(out.report());
  assert.equal(out.failures, [], out.failures.join('\n'));
  assert.ok(out.codes.get('NODE_PROBE_MALFORMED')! > 100 && out.results > 100, out.report());
});

test('Antrea node interface listings: a flow is built only from valid values, everything else is typed', () => {
  const m = new Mutator(rng(SEED + 3));
  const out = new Outcomes('Antrea interface listing fuzz');
  const packet = { family: 'ip4' as const, protocol: 'tcp' as const, srcIp: '10.10.1.5', dstIp: '10.10.2.5', dstPort: 5432, tcpFlags: 2 };
  let flows = 0;
  for (let i = 0; i < 1000; i++) {
    let text = m.pick(interfaceListings);
    for (let k = 1 + m.int(3); k > 0; k--) text = m.text(text);
    out.run(`listing #${i}`, () => {
      const ifaces = parseInterfaces(text);
      // The two entries the OVS detail builds: sender (pod port → gateway MAC), receiver (tunnel).
      const pod = podInterface(ifaces, 'frontend', 'client');
      const gw = interfaceNamed(ifaces, GATEWAY_INTERFACE);
      const tun = interfaceNamed(ifaces, TUNNEL_INTERFACE);
      const entries = [
        ...(pod?.mac && gw?.mac ? [{ inPort: pod.ofport ?? pod.name, srcMac: pod.mac, dstMac: gw.mac }] : []),
        ...(tun ? [{ inPort: tun.ofport ?? tun.name, srcMac: GLOBAL_VIRTUAL_MAC, dstMac: GLOBAL_VIRTUAL_MAC }] : []),
      ];
      for (const entry of entries) {
        if (unusableFlowValue(entry, packet) !== undefined) continue;
        flows++;
        assert.ok(isMacAddress(entry.srcMac) && isMacAddress(entry.dstMac), `MACs ${entry.srcMac} ${entry.dstMac}`);
        assert.ok(typeof entry.inPort === 'number' ? isOfport(entry.inPort) : isOvnName(entry.inPort), `in_port ${entry.inPort}`);
        assert.match(ofprotoFlow(entry, packet), /^in_port=[\w.:@-]+,tcp,dl_src=[0-9a-f:]{17},dl_dst=[0-9a-f:]{17},/i);
      }
    });
  }
  console.log(`${out.report()}; ${flows} flows built`);
  assert.equal(out.failures, [], out.failures.join('\n'));
  assert.ok(out.codes.get('OVS_INTERFACES_MALFORMED')! > 50 && flows > 100, out.report());
});

test('pod and node objects: endpoints and nodes hold only valid values, everything else is a typed error', () => {
  const m = new Mutator(rng(SEED + 1));
  const out = new Outcomes('pod/node annotation fuzz');
  for (let i = 0; i < 1000; i++) {
    // The API server keeps the objects' schema (podIPs is a list of {ip: string}, annotations
    // are strings), so the fuzz changes values, not types: the annotations' content (free-form
    // text the CNI writes: its JSON mutated structurally or as text) and the string fields.
    const pod = structuredClone(POD);
    const node = structuredClone(NODE);
    const text = (v: string) => (m.int(3) === 0 ? m.string(v) : (() => {
      try {
        return JSON.stringify(m.json(JSON.parse(v)));
      } catch {
        return m.string(v);
      }
    })());
    const pa = pod.metadata!.annotations!;
    switch (m.int(5)) {
      case 0:
      case 1:
        pa['k8s.ovn.org/pod-networks'] = text(pa['k8s.ovn.org/pod-networks']!);
        break;
      case 2: {
        const ips = pod.status!.podIPs!;
        const j = m.int(ips.length);
        if (m.int(3) === 0) ips.splice(j, 1);
        else ips[j] = { ip: m.string(ips[j]!.ip) };
        break;
      }
      case 3:
        pod.spec!.nodeName = m.string(pod.spec!.nodeName!);
        break;
      default:
        delete pa['k8s.ovn.org/pod-networks'];
        pod.status!.podIPs = pod.status!.podIPs!.map((p) => ({ ip: m.string(p.ip) }));
    }
    out.run(`pod #${i}`, () => {
      const ep = podEndpoint(pod, m.pick(['ip4', 'ip6'] as const), 'src');
      assert.ok(isIpAddress(ep.ip), `ip ${ep.ip}`);
      if (!ep.hostNetwork) assert.ok(isMacAddress(ep.mac), `mac ${ep.mac}`);
      assert.ok(isOvnName(ep.node), `node ${ep.node}`);
    });
    const na = node.metadata!.annotations!;
    if (m.int(4) === 0) node.status!.addresses![0]!.address = m.string(node.status!.addresses![0]!.address);
    else {
      const key = m.pick(Object.keys(na));
      na[key] = text(na[key]!);
    }
    out.run(`node #${i}`, () => {
      const n = ovnNodeFromObjects('ovn-worker', node, TOOLS_POD, 'ovn-kubernetes');
      assert.ok(isOvnName(n.zone), `zone ${n.zone}`);
      if (n.internalIp !== undefined) assert.ok(isIpAddress(n.internalIp), `internal IP ${n.internalIp}`);
    });
  }
  console.log(out.report());
  assert.equal(out.failures, [], out.failures.join('\n'));
  assert.ok(out.results > 100, out.report());
});

test('Traceflow objects: checked, then evaluated and normalized without an internal error', () => {
  const m = new Mutator(rng(SEED + 2));
  const out = new Outcomes('Traceflow fuzz');
  for (let i = 0; i < 2000; i++) {
    const original = m.pick(traceflows);
    const request = requestFromTraceflow(original);
    let tf: unknown = structuredClone(original);
    for (let k = 1 + m.int(3); k > 0; k--) tf = m.json(tf);
    out.run(`traceflow #${i}`, () => {
      const checked = checkTraceflowObject(tf);
      const ctx = { request, sourceLabel: 'frontend/client', destinationLabel: 'backend/db', ...(m.int(2) ? { localTimeoutSeconds: 20 } : {}) };
      const outcome = evaluateTraceflow(checked, ctx);
      assert.type(outcome.reason, 'string');
      traceflowObservations(checked);
      for (const [j, r] of (checked.status?.results ?? []).entries()) {
        reportObservations(r);
        nodeReportLeg(r, { id: `traceflow/${j}`, traceflowName: checked.metadata.name, ctx, tf: checked });
      }
      // `--traceflow NAME` turns the spec into a request; a bad one is refused as input.
      validateTraceRequest(requestFromTraceflow(checked));
    });
  }
  console.log(out.report());
  assert.equal(out.failures, [], out.failures.join('\n'));
  assert.ok(out.codes.get('TRACEFLOW_MALFORMED')! > 100 && out.results > 100, out.report());
});

test.run();
