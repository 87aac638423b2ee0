// The Antrea lab's policy flows on real OVS (ofproto/trace on each node's br-int): ipBlock
// except, named ports resolved per destination / applied pod, a /32 ipBlock equal to a selected
// pod IP (one flow with both conjunctions), port ranges wider than 256 ports, baseline tier under
// K8s isolation, and replies reaching an ingress-isolated source (conntrack established).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../../lab/lab.js';
import { isProcessAlive, type ManagedProcess } from '../../../lab/process/process-control.js';
import { runCommand } from '../../../lab/process/run-command.js';
import { parseOfprotoTrace } from '../../../lab/antrea/ofproto-trace-reader.js';
import { ANTREA_TABLES, GLOBAL_VIRTUAL_MAC, T } from '../../../lab/antrea/antrea-names.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';

const scenario: Scenario = {
  name: 'antrea-policies',
  flavour: 'antrea',
  nodes: [
    { name: 'n1', podSubnet: '10.20.1.0/24', nodeIP: '172.19.0.2' },
    { name: 'n2', podSubnet: '10.20.2.0/24', nodeIP: '172.19.0.3' },
  ],
  namespaces: [{ name: 'apps', labels: { team: 'apps' } }, { name: 'other', labels: { team: 'other' } }],
  pods: [
    { name: 'a', namespace: 'apps', node: 'n1', labels: { app: 'a' }, ip: '10.20.1.5' },
    { name: 'web1', namespace: 'apps', node: 'n1', labels: { app: 'web' }, ip: '10.20.1.6', ports: [{ name: 'http', containerPort: 8080 }] },
    { name: 'r', namespace: 'apps', node: 'n1', labels: { app: 'range' }, ip: '10.20.1.7' },
    { name: 'iso', namespace: 'other', node: 'n1', labels: { app: 'iso' }, ip: '10.20.1.8' },
    { name: 'web2', namespace: 'apps', node: 'n2', labels: { app: 'web' }, ip: '10.20.2.6', ports: [{ name: 'http', containerPort: 9090 }] },
    { name: 'x', namespace: 'other', node: 'n2', labels: { app: 'x' }, ip: '10.20.2.7' },
  ],
  networkPolicies: [
    {
      name: 'a-egress',
      namespace: 'apps',
      spec: {
        podSelector: { matchLabels: { app: 'a' } },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
          { to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.2.0/24'] } }], ports: [{ protocol: 'UDP', port: 53 }] },
          { to: [{ ipBlock: { cidr: '10.20.1.7/32' } }], ports: [{ protocol: 'TCP', port: 1000, endPort: 2000 }] },
          { to: [{ podSelector: { matchLabels: { app: 'range' } } }], ports: [{ protocol: 'TCP', port: 7000 }] },
        ],
      },
    },
    {
      name: 'web-ingress',
      namespace: 'apps',
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'http' }] }] },
    },
    { name: 'deny-ingress', namespace: 'other', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
  ],
  antreaNetworkPolicies: [
    {
      // securityops Pass for the other namespace: skips the application-tier Drop below and
      // leaves the decision to the K8s policies.
      name: 'pass-other',
      namespace: 'apps',
      spec: { tier: 'securityops', priority: 1, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress: [{ action: 'Pass', name: 'pass', from: [{ namespaceSelector: { matchLabels: { team: 'other' } } }] }] },
    },
    {
      name: 'drop-other',
      namespace: 'apps',
      spec: { priority: 1, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress: [{ action: 'Drop', name: 'drop', from: [{ namespaceSelector: { matchLabels: { team: 'other' } } }] }, { action: 'Reject', name: 'reject-range', from: [{ podSelector: { matchLabels: { app: 'range' } } }] }] },
    },
    {
      // Baseline tier: below K8s policies, it cannot undo K8s isolation (web-ingress).
      name: 'baseline-allow',
      namespace: 'apps',
      spec: { tier: 'baseline', priority: 1, appliedTo: [{ podSelector: { matchLabels: { app: 'web' } } }], ingress: [{ action: 'Allow', name: 'allow-all' }] },
    },
  ],
};

const stateDir = mkdtempSync(join(tmpdir(), 'cni-antrea-policies-'));
let lab: Lab | undefined;
let recorded: ManagedProcess[] = [];

test.before(async () => {
  lab = await Lab.up(scenario, { stateDir, apiServer: 'none', handleSignals: false });
  recorded = [...lab.processes];
});

test.after(async () => {
  try {
    await lab?.down();
  } finally {
    for (const p of recorded) if (isProcessAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

type Proto = 'tcp' | 'udp';
const port = (node: string, pod: string) => lab!.antreaNode(node).ports.find((p) => p.pod.name === pod)!;
const ipOf = (pod: string) => scenario.pods.find((p) => p.name === pod)!.ip!;

/** Where the packet ends on a node: `out:<ofport>` or `drop:<table name>`. */
async function trace(node: string, flow: string, ctNext?: string): Promise<string> {
  const { stdout } = await runCommand(['ovs-appctl', 'ofproto/trace', ...(ctNext ? ['--ct-next', ctNext] : []), 'br-int', flow], { env: { OVS_RUNDIR: lab!.antreaNode(node).ovsRunDir }, timeoutMs: 15_000 });
  const steps = parseOfprotoTrace(stdout).steps;
  const last = steps.at(-1)!;
  // A Reject's trace continues after the metric drop (the packet-in copy to the agent).
  const denied = steps.find((s) => s.table === T.IngressMetric || s.table === T.EgressMetric ? s.actions.at(-1) === 'drop' : false);
  if (denied) return `drop:${ANTREA_TABLES[denied.table]}`;
  return last.table === T.Output && last.outputPort !== undefined ? `out:${last.outputPort}` : `drop:${ANTREA_TABLES[last.table]}`;
}

const l4 = (proto: Proto, dport: number) => `nw_ttl=64,${proto}_src=40000,${proto}_dst=${dport}${proto === 'tcp' ? ',tcp_flags=0x002' : ''}`;

/** From a local pod to an IP (dl_dst: the local pod's MAC, else the gateway's). */
function fromPod(node: string, src: string, dstIP: string, proto: Proto, dport: number): string {
  const s = port(node, src);
  const local = lab!.antreaNode(node).ports.find((p) => p.ip === dstIP);
  return `in_port=${s.ofport},dl_src=${s.mac},dl_dst=${local?.mac ?? lab!.antreaNode(node).gatewayMac},${proto},nw_src=${s.ip},nw_dst=${dstIP},${l4(proto, dport)}`;
}

/** Arriving on antrea-tun0 from the other node. */
function fromTunnel(node: string, from: string, srcIP: string, dstIP: string, proto: Proto, dport: number, sport = 40000): string {
  const n = lab!.antreaNode(node);
  const f = lab!.antreaNode(from);
  return `in_port=1,tun_src=${f.nodeIP},tun_dst=${n.nodeIP},tun_id=0,dl_src=${f.gatewayMac},dl_dst=${GLOBAL_VIRTUAL_MAC},${proto},nw_src=${srcIP},nw_dst=${dstIP},nw_ttl=63,${proto}_src=${sport},${proto}_dst=${dport}${proto === 'tcp' ? ',tcp_flags=0x002' : ''}`;
}

test('named port resolves per destination pod (egress) and per applied pod (ingress)', async () => {
  // a's egress "http": web1's http is 8080, web2's is 9090 — not the union for both.
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('web1'), 'tcp', 8080)), `out:${port('n1', 'web1').ofport}`);
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('web1'), 'tcp', 9090)), 'drop:EgressDefaultRule');
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('web2'), 'tcp', 9090)), 'out:1');
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('web2'), 'tcp', 8080)), 'drop:EgressDefaultRule');
  // web-ingress "http" on the receiving node: web2 accepts its own 9090, not web1's 8080.
  assert.is(await trace('n2', fromTunnel('n2', 'n1', ipOf('a'), ipOf('web2'), 'tcp', 9090)), `out:${port('n2', 'web2').ofport}`);
  assert.is(await trace('n2', fromTunnel('n2', 'n1', ipOf('a'), ipOf('web2'), 'tcp', 8080)), 'drop:IngressDefaultRule');
});

test('ipBlock except: the excepted /24 is not allowed, the rest of the block is', async () => {
  assert.is(await trace('n1', fromPod('n1', 'a', '10.20.3.4', 'udp', 53)), 'out:2');
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('x'), 'udp', 53)), 'drop:EgressDefaultRule');
  assert.is(await trace('n1', fromPod('n1', 'a', '10.20.2.200', 'udp', 53)), 'drop:EgressDefaultRule');
});

test('an ipBlock /32 equal to a selected pod IP: both rules hold (one flow, two conjunctions); ranges are exact', async () => {
  const rPort = `out:${port('n1', 'r').ofport}`;
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('r'), 'tcp', 7000)), rPort);
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('r'), 'tcp', 1500)), rPort, 'inside 1000-2000, beyond the first 256 ports');
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('r'), 'tcp', 2000)), rPort);
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('r'), 'tcp', 2001)), 'drop:EgressDefaultRule');
  assert.is(await trace('n1', fromPod('n1', 'a', ipOf('r'), 'tcp', 999)), 'drop:EgressDefaultRule');
});

test('tiers: a securityops Pass skips the application-tier Drop and leaves it to K8s; an application Reject', async () => {
  assert.is(await trace('n2', fromTunnel('n2', 'n1', ipOf('iso'), ipOf('web2'), 'tcp', 9090)), `out:${port('n2', 'web2').ofport}`);
  assert.is(await trace('n2', fromTunnel('n2', 'n1', ipOf('iso'), ipOf('web2'), 'tcp', 8080)), 'drop:IngressDefaultRule');
  // r → web1: rejected by drop-other's second rule (the metric table drops; the copy goes to the agent).
  assert.is(await trace('n1', fromPod('n1', 'r', ipOf('web1'), 'tcp', 8080)), 'drop:IngressMetric');
});

test('baseline tier Allow cannot undo K8s isolation', async () => {
  assert.is(await trace('n1', fromPod('n1', 'iso', ipOf('web1'), 'tcp', 9999)), 'drop:IngressDefaultRule');
});

test('replies reach an ingress-isolated source: same node and through the tunnel (conntrack established)', async () => {
  // iso (n1) and x (n2) are isolated for ingress; what they open is allowed at web's ingress.
  assert.is(await trace('n1', fromPod('n1', 'iso', ipOf('web1'), 'tcp', 8080)), `out:${port('n1', 'web1').ofport}`);
  // The reply web1 → iso: new, it is dropped; as the reply of the connection, it is delivered.
  const reply = fromPod('n1', 'web1', ipOf('iso'), 'tcp', 40000).replace('tcp_src=40000,tcp_dst=40000,tcp_flags=0x002', 'tcp_src=8080,tcp_dst=40000,tcp_flags=0x012');
  assert.is(await trace('n1', reply), 'drop:IngressDefaultRule');
  assert.is(await trace('n1', reply, 'trk,est,rpl'), `out:${port('n1', 'iso').ofport}`);
  for (const proto of ['tcp', 'udp'] as const) {
    const back = fromTunnel('n1', 'n2', ipOf('web2'), ipOf('iso'), proto, 40000, 9090).replace(',tcp_flags=0x002', ',tcp_flags=0x012');
    assert.is(await trace('n1', back), 'drop:IngressDefaultRule', proto);
    assert.is(await trace('n1', back, 'trk,est,rpl'), `out:${port('n1', 'iso').ofport}`, proto);
  }
  // Same node on n2: x's reply from web2.
  const sameNode = fromPod('n2', 'web2', ipOf('x'), 'udp', 40000).replace('udp_src=40000', 'udp_src=9090');
  assert.is(await trace('n2', sameNode), 'drop:IngressDefaultRule');
  assert.is(await trace('n2', sameNode, 'trk,est,rpl'), `out:${port('n2', 'x').ofport}`);
});

test.run();
