// ovn-trace with ACL logging (`log=true`): OVN prints a `LOG: ACL name=..., direction=...,
// verdict=..., severity=..., packet="..."` transformation node (utilities/ovn-trace.c
// execute_log, same text in 23.03 and main) after the ACL's `log(...)` action. It has no children;
// when it is the table's last node it is printed at the table's own level, underlined like a
// pipeline heading. Fixtures: test/fixtures/ovn/acl-log (capture-acl-log.sh, real OVN 23.03).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOvnTrace } from '../../../../drivers/ovn/parsers/index.js';
import type { OvnTrace } from '../../../../drivers/ovn/parsers/index.js';
import { loadCapture } from '../../helpers/captured-fixture.js';

function parse(name: string): OvnTrace {
  const run = loadCapture('ovn', `acl-log/${name}`);
  return parseOvnTrace(run.stdout, { stderr: run.stderr, exitCode: run.exitCode });
}

const tracedLeaves = (t: OvnTrace) => t.dropLeaves.filter((l) => !l.generated);

/**
 * The uuid of the table whose `log(name="<acl>"...)` action printed the log, read from the text
 * (the line above that action), so the tests need no update when the fixtures are re-captured.
 */
function loggingTableUuid(name: string, acl: string): string {
  const lines = loadCapture('ovn', `acl-log/${name}`).stdout.split('\n');
  const at = lines.findIndex((l) => l.includes(`log(name="${acl}"`));
  for (let i = at; i >= 0; i--) {
    const m = /^\s*\d+\. .*, uuid ([0-9a-f]{8})$/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  throw new Error(`${name}: no table line above log(name="${acl}")`);
}

test('logged default deny (detailed, ct new): the drop keeps its ACL stage, uuid and the log fields', () => {
  const t = parse('ovn-trace-acl-log-ingress-default-deny');
  const leaves = tracedLeaves(t);
  assert.is(leaves.length, 1, JSON.stringify(leaves));
  const leaf = leaves[0]!;
  assert.is(leaf.reason, 'acl');
  assert.is(leaf.table?.stage, 'ls_out_acl');
  assert.is(leaf.table?.uuid, loggingTableUuid('ovn-trace-acl-log-ingress-default-deny', 'NP:backend:Ingress'));
  assert.is(leaf.pipeline?.pipeline, 'egress');
  assert.equal(
    { name: leaf.aclLog?.name, direction: leaf.aclLog?.direction, verdict: leaf.aclLog?.verdict, severity: leaf.aclLog?.severity },
    { name: 'NP:backend:Ingress', direction: 'OUT', verdict: 'drop', severity: 'alert' },
  );
  assert.ok(leaf.aclLog?.packet?.includes('tp_dst=8080'));
  assert.equal(t.outputs.filter((o) => !o.generated && !o.continues), []);
  // Both logged ACLs the packet met, in order, each with its table.
  assert.equal(t.aclLogs.map((l) => `${l.name}/${l.verdict}/${l.table?.stage}/${l.table?.uuid}`), [
    `frontend_allow-to-backend_0/allow/ls_in_acl_after_lb/${loggingTableUuid('ovn-trace-acl-log-ingress-default-deny', 'frontend_allow-to-backend_0')}`,
    `NP:backend:Ingress/drop/ls_out_acl/${loggingTableUuid('ovn-trace-acl-log-ingress-default-deny', 'NP:backend:Ingress')}`,
  ]);
});

test('logged default deny with the default est state: ct_commit blocked, same ACL end', () => {
  const t = parse('ovn-trace-acl-log-ingress-default-deny-ct-est');
  const leaves = tracedLeaves(t);
  assert.is(leaves.length, 1, JSON.stringify(leaves));
  assert.is(leaves[0]!.reason, 'acl');
  assert.is(leaves[0]!.table?.uuid, loggingTableUuid('ovn-trace-acl-log-ingress-default-deny-ct-est', 'NP:backend:Ingress'));
  assert.is(leaves[0]!.aclLog?.name, 'NP:backend:Ingress');
});

test('logged allow in both directions: delivered, no branch ends without output', () => {
  const t = parse('ovn-trace-acl-log-allow');
  assert.equal(tracedLeaves(t), []);
  assert.ok(t.outputs.some((o) => o.port === 'backend_web' && o.type === '' && !o.generated));
  assert.equal(t.aclLogs.map((l) => `${l.name}/${l.direction}/${l.verdict}/${l.severity}`), [
    'frontend_allow-to-backend_0/IN/allow/info',
    'NP:backend:allow-frontend-to-web:Ingress:0/OUT/allow/info',
  ]);
  const min = parse('ovn-trace-acl-log-allow-minimal');
  assert.equal(tracedLeaves(min), []);
  assert.equal(min.outputs.map((o) => o.port), ['backend_web']);
  assert.is(min.aclLogs.length, 2);
});

test('logged egress default deny (from-lport after LB, ingress pipeline): direction IN, stage ls_in_acl_after_lb', () => {
  const t = parse('ovn-trace-acl-log-egress-default-deny');
  const leaves = tracedLeaves(t);
  assert.is(leaves.length, 1, JSON.stringify(leaves));
  assert.is(leaves[0]!.reason, 'acl');
  assert.is(leaves[0]!.table?.stage, 'ls_in_acl_after_lb');
  assert.is(leaves[0]!.pipeline?.pipeline, 'ingress');
  assert.is(leaves[0]!.aclLog?.name, 'frontend_allow-to-backend');
  assert.is(leaves[0]!.aclLog?.verdict, 'drop');
  assert.is(leaves[0]!.aclLog?.severity, 'warning');
});

test('logged drops in --minimal, --summary and --all: an ACL end with the log, not a bare stop', () => {
  for (const name of [
    'ovn-trace-acl-log-ingress-default-deny-minimal',
    'ovn-trace-acl-log-ingress-default-deny-summary',
    'ovn-trace-acl-log-ingress-default-deny-all',
    'ovn-trace-acl-log-egress-default-deny-minimal',
  ]) {
    const t = parse(name);
    const leaves = tracedLeaves(t);
    assert.is(leaves.length, 1, `${name}: ${JSON.stringify(leaves)}`);
    assert.is(leaves[0]!.reason, 'acl', name);
    assert.is(leaves[0]!.aclLog?.verdict, 'drop', name);
    assert.ok(/^(NP:backend:Ingress|frontend_allow-to-backend)$/.test(leaves[0]!.aclLog?.name ?? ''), name);
    assert.equal(t.outputs.filter((o) => !o.continues), [], name);
  }
  assert.equal(parse('ovn-trace-acl-log-ingress-default-deny-all').sections.map((s) => s.format), ['detailed', 'summary', 'minimal']);
  assert.is(tracedLeaves(parse('ovn-trace-acl-log-ingress-default-deny-all'))[0]!.table?.uuid, loggingTableUuid('ovn-trace-acl-log-ingress-default-deny-all', 'NP:backend:Ingress'));
});

test('logged reject: the traced packet ends rejected at its ACL, the reset goes back to the client', () => {
  for (const name of ['ovn-trace-acl-log-reject', 'ovn-trace-acl-log-reject-minimal']) {
    const t = parse(name);
    const leaves = tracedLeaves(t);
    assert.is(leaves.length, 1, `${name}: ${JSON.stringify(leaves)}`);
    assert.is(leaves[0]!.reason, 'rejected', name);
    assert.is(leaves[0]!.aclLog?.name, 'ANP:reject-frontend-to-web:Egress:0', name);
    assert.is(leaves[0]!.aclLog?.verdict, 'reject', name);
    assert.ok(t.outputs.some((o) => o.port === 'frontend_client' && o.generated), name);
    assert.not.ok(t.outputs.some((o) => !o.generated && !o.continues), name);
  }
  assert.is(tracedLeaves(parse('ovn-trace-acl-log-reject'))[0]!.table?.uuid, loggingTableUuid('ovn-trace-acl-log-reject', 'ANP:reject-frontend-to-web:Egress:0'));
});

test('LOG grammar: the unquoted name runs to the last ", direction="; <unnamed> means no name', () => {
  const odd = tracedLeaves(parse('ovn-trace-acl-log-odd-name'))[0]!;
  assert.is(odd.aclLog?.name, 'odd, direction=IN, name');
  assert.is(odd.aclLog?.direction, 'OUT');
  assert.is(odd.aclLog?.severity, 'debug');
  assert.is(odd.reason, 'acl');
  const unnamed = tracedLeaves(parse('ovn-trace-acl-log-unnamed'))[0]!;
  assert.is(unnamed.reason, 'acl');
  assert.is(unnamed.table?.stage, 'ls_out_acl');
  assert.is(unnamed.aclLog?.name, undefined);
  assert.is(unnamed.aclLog?.verdict, 'drop');
});

test('a LOG line is never a pipeline or transformation node', () => {
  for (const name of ['ovn-trace-acl-log-ingress-default-deny', 'ovn-trace-acl-log-allow', 'ovn-trace-acl-log-reject']) {
    const t = parse(name);
    const walk = (nodes: OvnTrace['sections'][number]['nodes']): void => {
      for (const n of nodes) {
        if (n.text.startsWith('LOG: ')) assert.is(n.kind, 'log', `${name} line ${n.line}`);
        walk(n.children);
      }
    };
    walk(t.sections[0]!.nodes);
  }
});

test.run();
