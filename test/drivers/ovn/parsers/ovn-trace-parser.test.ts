// parseOvnTrace on every captured ovn-trace run (OVN 23.03 sandbox with ovn-k naming, see
// test/fixtures/ovn/capture/README.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { performance } from 'node:perf_hooks';
import { parseOvnTrace } from '../../../../drivers/ovn/parsers/index.js';
import type { OvnTrace, OvnTraceNode, OvnTracePipelineNode, OvnTraceTableNode } from '../../../../drivers/ovn/parsers/index.js';
import { listCaptures, loadCapture } from '../../helpers/captured-fixture.js';

function parse(name: string): OvnTrace {
  const run = loadCapture('ovn', name);
  return parseOvnTrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode });
}

function flatten(nodes: OvnTraceNode[], into: OvnTraceNode[] = []): OvnTraceNode[] {
  for (const n of nodes) {
    into.push(n);
    flatten(n.children, into);
  }
  return into;
}

function nodesOf(t: OvnTrace, format = t.primary): OvnTraceNode[] {
  return flatten(t.sections.find((s) => s.format === format)?.nodes ?? []);
}

const pipelines = (t: OvnTrace): string[] =>
  nodesOf(t)
    .filter((n): n is OvnTracePipelineNode => n.kind === 'pipeline')
    .map((p) => `${p.pipeline}:${p.datapath}:${p.inport ?? ''}>${p.outport ?? p.mcgroup ?? ''}`);

const tables = (t: OvnTrace): OvnTraceTableNode[] => nodesOf(t).filter((n): n is OvnTraceTableNode => n.kind === 'table');

const outputs = (t: OvnTrace): string[] =>
  t.outputs.map((o) => `${o.port}/${o.type ?? '?'}${o.continues ? '>' : ''}${o.generated ? '*' : ''}`);

test('every capture: errors or a tree, never both; tables and outputs match the text', () => {
  const names = listCaptures('ovn', 'ovn-trace-');
  assert.ok(names.length >= 40, `expected the captured set, found ${names.length}`);
  for (const name of names) {
    const run = loadCapture('ovn', name);
    const t = parseOvnTrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode });
    if (t.errors.length) {
      assert.is(t.sections.length, 0, name);
      assert.is(t.outputs.length + t.dropLeaves.length, 0, name);
      continue;
    }
    assert.ok(t.primary, name);
    assert.ok(t.microflow && /^[a-z0-9]+,reg14=0x[0-9a-f]+,/.test(t.microflow), name);
    const detailed = t.sections.find((s) => s.format === 'detailed');
    if (detailed) {
      // One table node per printed table line, each with an 8-hex uuid unless it is a miss.
      const text = run.stdout.split('# Summary trace.')[0];
      const tableLines = text.split('\n').filter((l) => /^\s*\d+\. \S+( \(.*?\))?: /.test(l)).length;
      const all = flatten(detailed.nodes).filter((n): n is OvnTraceTableNode => n.kind === 'table');
      assert.is(all.length, tableLines, name);
      for (const tb of all) if (!tb.noMatch) assert.match(tb.uuid ?? '', /^[0-9a-f]{8}$/, name);
      // Every output comment in the text is an output, in order.
      const printed = [...text.matchAll(/\/\* output to "([^"]*)", type "([^"]*)" \*\//g)].map((m) => `${m[1]}/${m[2]}`);
      assert.equal(t.outputs.map((o) => `${o.port}/${o.type}`), printed, name);
    }
    // Every branch that ended shows up either as an output that ends there or as a drop leaf.
    assert.ok(t.outputs.some((o) => !o.continues) || t.dropLeaves.length > 0, name);
    for (const leaf of t.dropLeaves) if (t.primary === 'detailed' && leaf.reason !== 'omitted-output') assert.ok(leaf.table, name);
  }
});

test('same node: pipelines, tables and the delivery to backend_web', () => {
  const t = parse('ovn-trace-pod-to-pod-same-node');
  assert.is(t.primary, 'detailed');
  assert.ok(t.microflow?.startsWith('tcp,reg14=0x3,vlan_tci=0x0000,dl_src=0a:58:0a:f4:01:05,dl_dst=0a:58:0a:f4:01:01,nw_src=10.244.1.5,nw_dst=10.244.1.6'));
  assert.equal(pipelines(t), [
    'ingress:ovn-worker:frontend_client>',
    'egress:ovn-worker:frontend_client>stor-ovn-worker',
    'ingress:ovn_cluster_router:rtos-ovn-worker>',
    'egress:ovn_cluster_router:rtos-ovn-worker>rtos-ovn-worker',
    'ingress:ovn-worker:stor-ovn-worker>',
    'egress:ovn-worker:stor-ovn-worker>backend_web',
  ]);
  const first = tables(t)[0];
  assert.equal(
    [first.tableId, first.stage, first.source, first.match, first.priority, first.uuid, first.noMatch, first.actions],
    [0, 'ls_in_check_port_sec', 'northd.c:8432', '1', 50, '2a421bd5', false, ['reg0[15] = check_in_port_sec();', 'next;']],
  );
  const routing = tables(t).find((tb) => tb.stage === 'lr_in_ip_routing');
  assert.equal([routing?.match, routing?.priority, routing?.uuid], ['ip4.dst == 10.244.1.0/24', 74, 'c14eb3ad']);
  const allow = tables(t).find((tb) => tb.stage === 'ls_out_acl');
  assert.equal([allow?.priority, allow?.uuid, allow?.actions], [2001, 'cc3fe340', ['next;']]);
  // ovn-trace ran out of --ct values: both conntrack steps use the default trk,est.
  const ct = nodesOf(t).filter((n) => n.kind === 'transformation');
  assert.equal(ct.map((n) => n.kind === 'transformation' && [n.name, n.defaultCtState, n.generatesPacket]), [
    ['ct_lb_mark', true, false], ['ct_lb_mark', true, false],
  ]);
  assert.equal(outputs(t), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);
  const delivered = t.outputs[2];
  assert.equal(delivered.pipeline, { pipeline: 'egress', datapath: 'ovn-worker', inport: 'stor-ovn-worker', outport: 'backend_web' });
  assert.equal([delivered.table?.stage, delivered.table?.uuid, delivered.line], ['ls_out_apply_port_sec', 'b2a0f229', 137]);
  assert.equal(delivered.transformations, ['ct_lb_mark', 'ct_lb_mark']);
  assert.equal([t.dropLeaves, t.errors, t.loadBalancing, t.nat], [[], [], [], []]);
});

test('layout: sections nest the way the tool chained them, tables stay flat inside them', () => {
  const t = parse('ovn-trace-pod-to-pod-same-node');
  const root = t.sections[0].nodes;
  assert.is(root.length, 1);
  const ingress = root[0];
  assert.is(ingress.kind, 'pipeline');
  assert.equal(ingress.children.map((c) => (c.kind === 'table' ? c.tableId : c.text)), [0, 4, 5, 6, 'ct_lb_mark /* default (use --ct to customize) */']);
  const table6 = ingress.children[3];
  assert.equal(table6.children.map((c) => c.text), ['ct_lb_mark;']);
});

test('--ct values: new, est+rpl and inv', () => {
  const ctNew = parse('ovn-trace-pod-to-pod-same-node-ct-new');
  assert.equal(nodesOf(ctNew).filter((n) => n.kind === 'transformation').map((n) => n.text), ['ct_lb_mark', 'ct_lb_mark']);
  assert.equal(outputs(ctNew), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);
  // ct.new takes the reg0[7]/reg0[9] ACL path instead of the est one.
  assert.is(tables(ctNew).filter((tb) => tb.stage === 'ls_out_acl').pop()?.match?.startsWith('reg0[7] == 1 && '), true);

  const reply = parse('ovn-trace-reply-ct-est-rpl');
  assert.equal(pipelines(reply)[0], 'ingress:ovn-worker:backend_web>');
  assert.equal(outputs(reply), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'frontend_client/']);

  const inv = parse('ovn-trace-ct-invalid');
  assert.equal(inv.outputs, []);
  assert.is(inv.dropLeaves.length, 1);
  const leaf = inv.dropLeaves[0];
  assert.equal([leaf.reason, leaf.table?.stage, leaf.table?.priority, leaf.table?.uuid, leaf.actions], ['acl', 'ls_in_acl', 65532, 'b09bc2c8', ['drop;']]);
  assert.is(leaf.table?.match, 'ct.inv || (ct.est && ct.rpl && ct_mark.blocked == 1)');
});

test('summary, minimal and --all formats', () => {
  const summary = parse('ovn-trace-pod-to-pod-same-node-summary');
  assert.equal(summary.sections.map((s) => s.format), ['summary']);
  assert.equal(pipelines(summary).length, 6);
  // Braces nest every hop one level deeper.
  assert.equal(nodesOf(summary).filter((n) => n.kind === 'pipeline').map((n) => n.depth), [0, 2, 3, 4, 5, 6]);
  assert.equal(tables(summary), []);
  assert.equal(outputs(summary), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);

  const minimal = parse('ovn-trace-pod-to-pod-same-node-minimal');
  assert.equal(minimal.sections.map((s) => s.format), ['minimal']);
  assert.equal(minimal.outputs.map((o) => [o.port, o.type, o.transformations]), [['backend_web', undefined, ['ct_lb_mark', 'ct_lb_mark']]]);

  const all = parse('ovn-trace-pod-to-pod-same-node-all');
  assert.equal(all.sections.map((s) => s.format), ['detailed', 'summary', 'minimal']);
  assert.is(all.primary, 'detailed');
  assert.equal(outputs(all), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);
  assert.equal(pipelines(all), pipelines(parse('ovn-trace-pod-to-pod-same-node')));
  assert.is(flatten(all.sections[2].nodes).filter((n) => n.kind === 'output').length, 1);
});

test('--ovs: the OpenFlow flows under each table carry that table\'s uuid as cookie', () => {
  const t = parse('ovn-trace-pod-to-pod-same-node-with-ovs-flows');
  let flows = 0;
  for (const tb of tables(t)) {
    for (const c of tb.children) {
      if (c.kind !== 'openflow') continue;
      flows++;
      assert.is(c.cookie?.slice(2).padStart(8, '0'), tb.uuid, c.text);
    }
    assert.ok(tb.actions.every((a) => !a.startsWith('cookie=')));
  }
  assert.is(flows, 91);
  assert.equal(outputs(t), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);
});

test('interconnect: local leg ends at the remote transit port, remote legs start there', () => {
  const local = parse('ovn-trace-pod-to-pod-cross-zone');
  assert.equal(outputs(local), ['stor-ovn-worker/patch>', 'rtots-ovn-worker/patch>', 'tstor-ovn-worker2/remote']);
  const routing = tables(local).find((tb) => tb.stage === 'lr_in_ip_routing');
  assert.equal([routing?.match, routing?.priority], ['reg7 == 0 && ip4.dst == 10.244.2.0/24', 73]);
  assert.equal(local.outputs[2].pipeline, { pipeline: 'egress', datapath: 'transit_switch', inport: 'tstor-ovn-worker', outport: 'tstor-ovn-worker2' });

  const remote = parse('ovn-trace-pod-to-pod-cross-zone-remote-leg');
  assert.equal(pipelines(remote)[0], 'ingress:transit_switch:tstor-ovn-worker>');
  assert.equal(outputs(remote), ['tstor-ovn-worker2/patch>', 'rtos-ovn-worker2/patch>', 'frontend_api/']);
  // The remote zone's northd has no ovn-controller to announce ct_lb_mark support: legacy ct_lb.
  assert.equal(nodesOf(remote).filter((n) => n.kind === 'transformation').map((n) => n.text), ['ct_lb /* default (use --ct to customize) */']);

  const reverse = parse('ovn-trace-pod-to-pod-cross-zone-reverse');
  assert.equal(pipelines(reverse)[0], 'ingress:ovn-worker2:frontend_api>');
  assert.equal(outputs(reverse), ['stor-ovn-worker2/patch>', 'rtots-ovn-worker2/patch>', 'tstor-ovn-worker/remote']);

  assert.equal(outputs(parse('ovn-trace-ipv6-pod-to-pod-cross-zone')), ['stor-ovn-worker/patch>', 'rtots-ovn-worker/patch>', 'tstor-ovn-worker2/remote']);
  assert.equal(outputs(parse('ovn-trace-pod-to-host-network-mgmt-port')), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'k8s-ovn-worker/']);
});

test('services: backends from ct_lb_mark(backends=...), and the est-state ACL end of ovnkube-trace\'s form', () => {
  const noLb = parse('ovn-trace-service-no-lb-dst');
  assert.equal(noLb.loadBalancing.map((l) => [l.backends, l.table?.stage, l.table?.uuid, l.line]), [[['10.244.1.6:8080'], 'ls_in_lb', '07e1e136', 30]]);
  assert.is(noLb.loadBalancing[0].action, 'ct_lb_mark(backends=10.244.1.6:8080);');

  const x4 = parse('ovn-trace-service-no-lb-dst-ct-new-x4');
  assert.equal(x4.loadBalancing[0].backends, ['10.244.1.6:8080']);
  assert.equal(outputs(x4), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);

  const remote = parse('ovn-trace-service-remote-endpoint');
  assert.equal(remote.loadBalancing.map((l) => l.backends), [['10.244.2.9:5353']]);
  assert.ok(remote.loadBalancing[0].action.includes('hash_fields="ip_dst,ip_src,udp_dst,udp_src"'));
  assert.equal(outputs(remote), ['stor-ovn-worker/patch>', 'rtots-ovn-worker/patch>', 'tstor-ovn-worker2/remote']);

  for (const name of ['ovn-trace-service-lb-dst', 'ovn-trace-service-no-lb-dst', 'ovn-trace-ipv6-service-lb-dst']) {
    const t = parse(name);
    assert.equal(outputs(t), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>'], name);
    assert.is(t.dropLeaves.length, 1, name);
    const leaf = t.dropLeaves[0];
    assert.equal(
      [leaf.reason, leaf.table?.stage, leaf.table?.priority, leaf.table?.uuid, leaf.actions],
      ['acl', 'ls_out_acl', 2000, '0347a6a1', ['ct_commit { ct_mark.blocked = 1; };']],
      name,
    );
    assert.equal(leaf.pipeline?.outport, 'backend_web', name);
  }
  // With --lb-dst the bare ct_lb_mark DNATs directly; the VIP flow is never visited.
  const lbDst = parse('ovn-trace-service-lb-dst');
  assert.equal(lbDst.loadBalancing, []);
  assert.is(tables(lbDst).some((tb) => tb.stage === 'ls_in_lb'), false);
});

test('ACL drops: default deny (est and new, summary, minimal, remote zone) and explicit deny', () => {
  const cases: [string, string, string, number, string, string[]][] = [
    ['ovn-trace-acl-default-deny', 'ls_out_acl', '0347a6a1', 2000, 'backend_web', ['ct_commit { ct_mark.blocked = 1; };']],
    ['ovn-trace-acl-default-deny-ct-new', 'ls_out_acl', 'c379c94f', 2000, 'backend_web', ['drop;']],
    ['ovn-trace-ipv6-acl-default-deny', 'ls_out_acl', 'c379c94f', 2000, 'backend_web', ['drop;']],
    ['ovn-trace-acl-default-deny-remote-leg', 'ls_out_acl', '8721b582', 2000, 'backend_db', ['drop;']],
    ['ovn-trace-acl-explicit-deny', 'ls_in_acl', '7de3c5c6', 31000, '', ['ct_commit { ct_mark.blocked = 1; };']],
    ['ovn-trace-acl-explicit-deny-ct-new', 'ls_in_acl', '006d73cd', 31000, '', ['drop;']],
  ];
  for (const [name, stage, uuid, priority, outport, actions] of cases) {
    const t = parse(name);
    assert.is(t.dropLeaves.length, 1, name);
    const leaf = t.dropLeaves[0];
    assert.equal([leaf.reason, leaf.table?.stage, leaf.table?.uuid, leaf.table?.priority, leaf.actions, leaf.generated], ['acl', stage, uuid, priority, actions, false], name);
    assert.is(leaf.pipeline?.outport ?? '', outport, name);
    assert.ok(t.outputs.every((o) => o.continues), name);
  }
  const deny = parse('ovn-trace-acl-default-deny');
  assert.is(deny.dropLeaves[0].table?.match, 'reg0[10] == 1 && (outport == @a10148211500778908391_ingressDefaultDeny)');
  assert.equal(parse('ovn-trace-acl-explicit-deny').dropLeaves[0].pipeline, { pipeline: 'ingress', datapath: 'ovn-worker', inport: 'frontend_client' });

  const summary = parse('ovn-trace-acl-default-deny-summary');
  assert.equal(summary.dropLeaves.map((l) => [l.reason, l.table, l.actions.at(-1), l.pipeline?.outport]), [
    ['acl', undefined, 'ct_commit { ct_mark.blocked = 1; };', 'backend_web'],
  ]);
  const minimal = parse('ovn-trace-acl-default-deny-minimal');
  assert.equal(minimal.outputs, []);
  assert.equal(minimal.dropLeaves.map((l) => [l.reason, l.transformations, l.line]), [['no-output', ['ct_lb_mark', 'ct_lb_mark'], 10]]);
});

test('reject, ICMP error, ARP/ND: the traced packet ends, generated packets are marked', () => {
  const reject = parse('ovn-trace-acl-reject');
  assert.equal(outputs(reject), ['frontend_client/*']);
  assert.equal(reject.outputs[0].transformations, ['ct_lb_mark', 'tcp_reset']);
  assert.equal(reject.outputs[0].pipeline, { pipeline: 'egress', datapath: 'ovn-worker', outport: 'frontend_client' });
  assert.equal(reject.dropLeaves.map((l) => [l.reason, l.table?.stage, l.table?.uuid, l.generated]), [['rejected', 'ls_in_acl', '359d3d36', false]]);
  assert.ok(reject.dropLeaves[0].actions.includes('reject { outport <-> inport; next(pipeline=egress, table=5); };'));

  const ttl = parse('ovn-trace-ttl-expired-icmp');
  assert.equal(outputs(ttl), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>*', 'frontend_client/*']);
  assert.equal(ttl.dropLeaves.map((l) => [l.reason, l.table?.stage, l.table?.uuid]), [['icmp-error', 'lr_in_ip_input', 'e9e099a4']]);

  const arp = parse('ovn-trace-arp-request-unknown-neighbor');
  assert.equal(outputs(arp), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>*', 'backend_web/*', 'frontend_client/*', 'k8s-ovn-worker/*']);
  assert.equal(arp.dropLeaves.map((l) => [l.reason, l.table?.stage, l.generated]), [['neighbor-resolution', 'lr_in_arp_request', false]]);
  assert.ok(pipelines(arp).includes('multicast:ovn-worker:>_MC_flood_l2'));
  const arpHeader = nodesOf(arp).find((n) => n.kind === 'transformation' && n.name === 'arp');
  assert.equal(arpHeader?.kind === 'transformation' && [arpHeader.generatesPacket, arpHeader.children[0].text], [true, 'eth.dst = ff:ff:ff:ff:ff:ff;']);

  const nd = parse('ovn-trace-nd-ns-unknown-neighbor');
  assert.equal(nd.dropLeaves.map((l) => [l.reason, l.generated]), [['omitted-output', true], ['neighbor-resolution', false]]);
  assert.is(nd.outputs.filter((o) => o.generated && o.transformations.includes('nd_ns')).length, 4);
});

test('flooding the traced packet: every copy is a branch with its own end', () => {
  const t = parse('ovn-trace-broadcast-flood');
  assert.equal(pipelines(t), [
    'ingress:ovn-worker:frontend_client>',
    'multicast:ovn-worker:>_MC_flood',
    'egress:ovn-worker:frontend_client>backend_web',
    'egress:ovn-worker:frontend_client>frontend_client',
    'egress:ovn-worker:frontend_client>k8s-ovn-worker',
    'egress:ovn-worker:frontend_client>stor-ovn-worker',
    'ingress:ovn_cluster_router:rtos-ovn-worker>',
  ]);
  // The indented copies are depth 1, the last (tail) copy's router leg too.
  assert.equal(nodesOf(t).filter((n) => n.kind === 'pipeline').map((n) => n.depth), [0, 0, 1, 1, 1, 1, 1]);
  assert.equal(outputs(t), ['k8s-ovn-worker/', 'stor-ovn-worker/patch>']);
  assert.equal(t.dropLeaves.map((l) => [l.reason, l.pipeline?.outport ?? l.pipeline?.datapath, l.table?.uuid]), [
    ['acl', 'backend_web', 'c379c94f'],
    ['omitted-output', 'frontend_client', undefined],
    ['drop', 'ovn_cluster_router', '02fa8e2f'],
  ]);
  assert.is(t.dropLeaves[2].table?.match, 'eth.bcast');
});

test('routing miss: the router\'s priority-0 route drops', () => {
  const t = parse('ovn-trace-routing-miss');
  assert.equal(outputs(t), ['stor-ovn-worker/patch>']);
  assert.equal(t.dropLeaves.map((l) => [l.reason, l.table?.tableId, l.table?.stage, l.table?.match, l.table?.priority, l.table?.uuid, l.actions]), [
    ['drop', 13, 'lr_in_ip_routing', '1', 0, '2fa8d4ba', ['drop;']],
  ]);
  assert.equal(t.dropLeaves[0].pipeline, { pipeline: 'ingress', datapath: 'ovn_cluster_router', inport: 'rtos-ovn-worker' });
});

test('egress through the gateway router: NAT actions, l3gateway hops, localnet delivery', () => {
  const t = parse('ovn-trace-pod-to-external-snat');
  assert.equal(outputs(t), [
    'stor-ovn-worker/patch>', 'rtoj-ovn_cluster_router/patch>', 'jtor-GR_ovn-worker/l3gateway>', 'rtoe-GR_ovn-worker/l3gateway>', 'breth0_ovn-worker/localnet',
  ]);
  assert.equal(t.nat.map((n) => [n.kind, n.action, n.args, n.table?.stage]), [
    ['dnat', 'ct_dnat;', undefined, 'lr_out_undnat'],
    ['snat', 'ct_snat(172.18.0.2);', '172.18.0.2', 'lr_out_snat'],
  ]);
  assert.is(t.nat[1].table?.match, 'ip && ip4.src == 10.244.1.0/24 && (!ct.trk || !ct.rpl)');
  const headers = nodesOf(t).filter((n) => n.kind === 'transformation');
  assert.equal(headers.map((n) => n.kind === 'transformation' && [n.name, n.defaultCtState]), [['ct_lb_mark', true], ['ct_dnat', true], ['ct_snat', false]]);
  assert.equal(headers[2].text, 'ct_snat(ip4.src=172.18.0.2)');
  assert.ok(pipelines(t).includes('multicast:ext_ovn-worker:>_MC_unknown'));
  assert.equal(t.dropLeaves, []);

  const pending = parse('ovn-trace-pod-to-external-arp-pending');
  assert.equal(outputs(pending), [
    'stor-ovn-worker/patch>', 'rtoj-ovn_cluster_router/patch>', 'jtor-GR_ovn-worker/l3gateway>', 'rtoe-GR_ovn-worker/l3gateway>*', 'breth0_ovn-worker/localnet*',
  ]);
  assert.equal(pending.dropLeaves.map((l) => [l.reason, l.pipeline?.datapath]), [['neighbor-resolution', 'GR_ovn-worker']]);
});

test('IPv6 and the unbracketed --lb-dst ovnkube-trace passes', () => {
  const v6 = parse('ovn-trace-ipv6-pod-to-pod-same-node');
  assert.ok(v6.microflow?.startsWith('tcp6,reg14=0x3,'));
  assert.equal(outputs(v6), ['stor-ovn-worker/patch>', 'rtos-ovn-worker/patch>', 'backend_web/']);
  assert.is(tables(v6).find((tb) => tb.stage === 'lr_in_ip_routing')?.match, 'ip6.dst == fd00:10:244:1::/64');

  const bad = parse('ovn-trace-ipv6-service-lb-dst-unbracketed');
  assert.ok(bad.outputs.every((o) => o.port !== 'backend_web'));
  assert.equal(bad.dropLeaves.map((l) => [l.reason, l.generated]), [['acl', true], ['omitted-output', true], ['neighbor-resolution', false]]);
});

test('error texts printed with exit code 0, and the 23.03 abort', () => {
  const expect: [string, string, string | undefined, string][] = [
    ['ovn-trace-error-unknown-port', 'unknown-port', 'frontend_nope', 'unknown port "frontend_nope"'],
    ['ovn-trace-error-unknown-datapath', 'unknown-datapath', 'ovn-nope', 'unknown datapath "ovn-nope"'],
    ['ovn-trace-error-no-inport', 'no-inport', undefined, 'error parsing flow: flow match expression does not match on inport'],
    ['ovn-trace-error-contradictory', 'parse-error', undefined, 'error parsing flow: Constraints are contradictory.'],
    ['ovn-trace-error-syntax', 'parse-error', undefined, 'error parsing flow: Syntax error at end of input expecting constant.'],
  ];
  for (const [name, kind, subject, message] of expect) {
    const run = loadCapture('ovn', name);
    assert.is(run.exitCode, 0, name);
    const t = parse(name);
    assert.equal(t.errors.map((e) => [e.kind, e.subject, e.message]), [[kind, subject, message]], name);
    assert.equal([t.sections, t.primary], [[], undefined], name);
  }
  const abort = parse('ovn-trace-error-unknown-port-with-datapath-abort');
  assert.equal(abort.errors.map((e) => [e.kind, e.subject]), [['unknown-logical-port', 'frontend_nope'], ['no-inport', undefined], ['abort', undefined]]);
  assert.equal(abort.sections, []);
  // No stderr at hand: the exit status alone still reports the abort.
  assert.equal(parseOvnTrace('', { exitCode: 134 }).errors.map((e) => e.kind), ['abort']);
});

test('an empty --minimal trace is a drop only when the caller says minimal was asked for', () => {
  const microflowOnly = '# tcp,reg14=0x3,vlan_tci=0x0000,nw_src=10.244.1.5,nw_dst=10.244.1.6\n';
  assert.equal(parseOvnTrace(microflowOnly).sections, []);
  const asked = parseOvnTrace(microflowOnly, { format: 'minimal' });
  assert.equal(asked.dropLeaves.map((l) => l.reason), ['no-output']);
  assert.equal(parseOvnTrace('unknown port "x"\n', { format: 'minimal' }).sections, []);
});

test('"***" error lines and no-match tables are leaf reasons', () => {
  const text = [
    '# tcp,reg14=0x1',
    '',
    'ingress(dp="sw", inport="a")',
    '----------------------------',
    ' 6. ls_in_pre_stateful (northd.c:1): reg0[2] == 1, priority 110, uuid 0000abcd',
    '    ct_lb_mark(backends=10.0.0.1:80,[fd00::1]:80);',
    '    *** no load balancing destination (use --lb-dst)',
    '',
    'egress(dp="sw", inport="a", outport="b")',
    '----------------------------------------',
    ' 3. ls_out_acl_hint: no match (implicit drop)',
  ].join('\n');
  const t = parseOvnTrace(text);
  assert.equal(t.loadBalancing.map((l) => l.backends), [['10.0.0.1:80', '[fd00::1]:80']]);
  assert.equal(t.errors.map((e) => [e.kind, e.message]), [['trace-error', '*** no load balancing destination (use --lb-dst)']]);
  assert.equal(t.dropLeaves.map((l) => [l.reason, l.table?.stage, l.table?.noMatch]), [['implicit-drop', 'ls_out_acl_hint', true]]);
});

test('a 10,000-line trace parses in well under 50 ms', () => {
  const one = loadCapture('ovn', 'ovn-trace-broadcast-flood').stdout;
  const lines = one.split('\n').length;
  const big = Array.from({ length: Math.ceil(10000 / lines) }, () => one).join('\n');
  assert.ok(big.split('\n').length >= 10000);
  parseOvnTrace(big);
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    const t = parseOvnTrace(big);
    best = Math.min(best, performance.now() - start);
    assert.is(t.outputs.length, 2 * Math.ceil(10000 / lines));
  }
  assert.ok(best < 50, `took ${best.toFixed(1)} ms`);
});

test.run();
