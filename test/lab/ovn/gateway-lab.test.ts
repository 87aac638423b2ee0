/**
 * The gateway topology on real OVN, in central mode and in local gateway mode (the default
 * interconnect/shared lab is exercised by test/drivers/ovn/gateway-paths.test.ts): real ovn-trace
 * output, judged by what ovn-kubernetes' topology must do.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { execa } from 'execa';
import { Lab } from '../../../lab/lab.js';
import type { Scenario } from '../../../lab/scenario/scenario-types.js';
import { repoRoot } from '../../helpers/paths.js';

const base = (): Scenario => parse(readFileSync(join(repoRoot, 'lab', 'scenarios', 'default.yaml'), 'utf8')) as Scenario;
const CT = Array.from({ length: 8 }, () => '--ct=new');
const external = 'inport=="frontend_client" && eth.src==0a:58:0a:f4:01:05 && eth.dst==0a:58:0a:f4:01:01 && ip4.src==10.244.1.5 && ip4.dst==8.8.8.8 && ip.ttl==64 && tcp && tcp.src==52888 && tcp.dst==443';

async function withLab(s: Scenario, fn: (lab: Lab) => Promise<void>): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cni-lab-gw-'));
  const lab = await Lab.up(s, { stateDir, apiServer: 'none' });
  try {
    await fn(lab);
  } finally {
    await lab.down();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const ovnTrace = async (lab: Lab, node: string, args: string[]): Promise<string> => (await execa('ovn-trace', ['--db', `unix:${lab.node(node).sbSocket}`, ...CT, ...args])).stdout;

test('central mode: each node\'s pods leave through their own GR, SNATed to their node IP', async () => {
  const s = base();
  s.name = 'gw-central';
  s.ovn = { mode: 'central' };
  await withLab(s, async (lab) => {
    const out = await ovnTrace(lab, 'ovn-worker', ['ovn-worker', external]);
    assert.match(out, /ingress\(dp="GR_ovn-worker", inport="rtoj-GR_ovn-worker"\)/);
    assert.match(out, /ct_snat\(ip4\.src=172\.18\.0\.2\)/);
    assert.match(out, /output to "breth0_ovn-worker", type "localnet"/);
    const api = 'inport=="frontend_api" && eth.src==0a:58:0a:f4:02:07 && eth.dst==0a:58:0a:f4:02:01 && ip4.src==10.244.2.7 && ip4.dst==8.8.8.8 && ip.ttl==64 && tcp && tcp.src==52888 && tcp.dst==443';
    const out2 = await ovnTrace(lab, 'ovn-worker2', ['ovn-worker2', api]);
    assert.match(out2, /ct_snat\(ip4\.src=172\.18\.0\.3\)/);
    assert.match(out2, /output to "breth0_ovn-worker2", type "localnet"/);
    // The GRs are bound to their own chassis: their l3gateway ports are claimed there.
    const sb = (await execa('ovn-sbctl', ['--db', `unix:${lab.node('ovn-worker').sbSocket}`, '--bare', '--columns=options', 'find', 'Port_Binding', 'logical_port=rtoe-GR_ovn-worker2'])).stdout;
    assert.match(sb, /l3gateway-chassis=/);
  });
});

test('local gateway mode: pod egress goes to the management port, the GR still serves NodePorts', async () => {
  const s = base();
  s.name = 'gw-local';
  s.ovn = { mode: 'interconnect', gatewayMode: 'local' };
  await withLab(s, async (lab) => {
    const out = await ovnTrace(lab, 'ovn-worker', ['ovn-worker', external]);
    assert.match(out, /output to "k8s-ovn-worker", type ""/);
    assert.not.match(out, /GR_ovn-worker/);
    // From outside the node: breth0 → GR_ovn-worker's NodePort load balancer → web.
    const nodePort = 'inport=="breth0_ovn-worker" && eth.src==02:42:ac:12:00:01 && eth.dst==02:42:ac:12:00:02 && ip4.src==172.18.0.1 && ip4.dst==172.18.0.2 && ip.ttl==64 && tcp && tcp.src==52888 && tcp.dst==30080';
    const np = await ovnTrace(lab, 'ovn-worker', ['--lb-dst=10.244.1.6:8080', nodePort]);
    assert.match(np, /ct_lb_mark\(backends=10\.244\.1\.6:8080/);
    assert.match(np, /check_pkt_larger\(1414\)/);
  });
});

test.run();
