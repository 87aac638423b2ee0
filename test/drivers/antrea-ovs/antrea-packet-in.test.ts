// Antrea's packet-in userdata, read from the controller actions of Antrea's documented pipeline
// (the upstream corpus' antrea/dump-flows.txt, Antrea v1.15 docs/design/ovs-pipeline.md), and the
// verdict the OVS detail gives a hand-off with it. OVN's opcodes are not Antrea's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyDatapathActions, parseOpenFlowController } from '../../../drivers/ovs-common/index.js';
import type { DatapathControllerAction } from '../../../drivers/ovs-common/index.js';
import { decodeAntreaPacketIn } from '../../../drivers/antrea-ovs/ovs-detail/antrea-packet-in.js';
import { legVerdict } from '../../../drivers/antrea-ovs/ovs-detail/ovs-detail-run.js';
import { upstreamCorpusDir } from '../../helpers/upstream-corpus.js';

const flows = readFileSync(join(upstreamCorpusDir(), 'antrea', 'dump-flows.txt'), 'utf8').split('\n');

/** The controller(...) action of the documented flow in `table` whose match contains `match`. */
function documented(table: number, match: string) {
  const line = flows.find((l) => l.includes(`table=${table},`) && l.includes(match) && l.includes('controller('));
  assert.ok(line, `table ${table} ${match}`);
  const action = /actions=(?:.*,)?(controller\([^)]*\))/.exec(line)?.[1] ?? '';
  const parsed = parseOpenFlowController(action, table);
  assert.ok(parsed?.userdata, action);
  return parsed;
}

function handoff(table: number, match: string): DatapathControllerAction {
  const openflow = documented(table, match);
  return { context: '', openflow, ...(openflow.userdata ? { purpose: decodeAntreaPacketIn(openflow.userdata, openflow) } : {}) };
}

test('documented Output-table packet-ins: NetworkPolicy logging (01.01) and reject (01.02)', () => {
  const log = handoff(30, 'reg0=0x2400000/0xfe600000');
  assert.equal([log.openflow?.reason, log.openflow?.controllerId, log.openflow?.userdata], ['no_match', 62373, [1, 1]]);
  assert.equal([log.purpose?.encoding, log.purpose?.name, log.purpose?.effect], ['antrea', 'network-policy logging', 'log']);
  const reject = handoff(30, 'reg0=0x4400000/0xfe600000');
  assert.equal([reject.purpose?.name, reject.purpose?.effect], ['network-policy reject', 'reject']);
});

test('documented EndpointDNAT packet-in for a Service without endpoints (04): the agent rejects', () => {
  const svc = handoff(12, 'reg0=0x4000/0x4000');
  assert.equal([svc.purpose?.name, svc.purpose?.effect], ['service-reject', 'reject']);
});

test('verdicts: reject answered, logging alone forwards nothing, Traceflow is not a verdict, no userdata falls back', () => {
  const only = (c: DatapathControllerAction) => ({ ...classifyDatapathActions('userspace(pid=0,controller(reason=0,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0x2010000000000,controller_id=62373,max_len=65535))'), controllers: [c] });
  assert.is(legVerdict(only(handoff(30, 'reg0=0x4400000/0xfe600000')), []), 'rejected');
  assert.is(legVerdict(only(handoff(12, 'reg0=0x4000/0x4000')), []), 'rejected');
  assert.is(legVerdict(only(handoff(30, 'reg0=0x2400000/0xfe600000')), []), 'dropped');
  assert.is(legVerdict(only({ context: '', purpose: decodeAntreaPacketIn([0], { text: '', tableId: 0, pause: false }) }), []), 'inconclusive');
  // Antrea before v1.12: no userdata; the Reject rule's registers say reject.
  assert.is(legVerdict(only({ context: '' }), [{ node: 'n', stage: 'Output', action: 'matched', description: 'sets APDispositionField=reject (2)' }]), 'rejected');
  assert.is(legVerdict(only({ context: '' }), []), 'inconclusive');
});

test.run();
