/**
 * ovn-detrace's output as units: on every captured run (real OVN 23.03 output, and the 25.09
 * indented layout), the records read out of an answer and put back together give the tool's
 * output byte for byte; answers of another shape are refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assembleDetraceOutput,
  echoLine,
  echoProbeLine,
  echoStyleFromProbe,
  isFlushLine,
  lookupFeed,
  parseLookupAnswer,
  splitUnits,
  unitKey,
  type EchoStyle,
} from '../../../drivers/ovn/legs/detrace-units.js';
import { fixturePath, repoRoot } from '../../helpers/paths.js';

/** Captured ovn-detrace runs with the ofproto/trace they read. */
function capturedRuns(): Array<{ name: string; input: string; output: string }> {
  const runs = [];
  // The sandbox captures, and the lab's (real ovnkube-node commands, with --ovs).
  for (const dir of [fixturePath('ovn'), fixturePath('ovn', 'lab')]) {
    for (const file of readdirSync(dir).filter((f) => /^ovn-detrace-.*\.cmd$/.test(f))) {
      const cmd = readFileSync(join(dir, file), 'utf8');
      const stdin = /^# stdin: (\S+)/m.exec(cmd)?.[1];
      if (!stdin || /^# exit: [1-9]/m.test(cmd)) continue;
      runs.push({ name: file, input: readFileSync(join(repoRoot, stdin), 'utf8'), output: readFileSync(join(dir, file.replace(/\.cmd$/, '.txt')), 'utf8') });
    }
  }
  return runs;
}

/** What the tool would answer to `lookupFeed(units)` when every unit is asked in trace order. */
function answerInTraceOrder(fullRunOutput: string): string[] {
  const lines = fullRunOutput.split('\n');
  lines.pop();
  // The feed starts with an empty line (unit 0 is not a flush line) and ends with one more.
  return ['', ...lines, ''];
}

/**
 * A model of ovn-detrace (stripped layout) whose records come from `records`: at each flush line
 * it prints the records of the unit read since the last one (an empty line fed before a unit that
 * is not a flush line asks about nothing), then echoes the line.
 */
function simulateTool(fed: string[], records: Map<string, string[]>): string[] {
  const out: string[] = [];
  let unit: string[] = [];
  for (const line of fed) {
    if (isFlushLine(line) && unit.length) {
      const asked = unit[0] === '' && unit.length > 1 ? unit.slice(1) : unit;
      out.push(...(records.get(unitKey(asked, 'strip')) ?? []));
      unit = [];
    }
    unit.push(line);
    out.push(echoLine(line, 'strip'));
  }
  return out;
}

const runs = capturedRuns();

test('the captured runs cover both layouts', () => {
  assert.ok(runs.length >= 10, `${runs.length} runs`);
  assert.ok(runs.some((r) => r.name.includes('indented')));
  assert.ok(runs.some((r) => !r.name.includes('indented')));
});

for (const run of runs) {
  test(`records read from and put back into ${run.name} give the same bytes`, () => {
    const style: EchoStyle = run.name.includes('indented') ? 'rstrip' : 'strip';
    const units = splitUnits(run.input)!;
    assert.ok(units, 'plain text');
    assert.is(isFlushLine(units[0]![0]!), false, 'the trace starts with its Flow: header');
    const records = parseLookupAnswer(units, answerInTraceOrder(run.output), style);
    assert.ok(records, 'the answer has the expected shape');
    assert.ok([...records.values()].some((r) => r.length > 0), 'some unit has records');
    assert.is(assembleDetraceOutput(units, (k) => records.get(k)!, style), run.output);
    // The other layout does not fit this output.
    assert.is(parseLookupAnswer(units, answerInTraceOrder(run.output), style === 'strip' ? 'rstrip' : 'strip'), undefined);
  });
}

for (const run of runs) {
  test(`units of ${run.name} with the same key have the same records`, () => {
    const style: EchoStyle = run.name.includes('indented') ? 'rstrip' : 'strip';
    const units = splitUnits(run.input)!;
    const byPosition = parseLookupAnswer(units, answerInTraceOrder(run.output), style, (_u, i) => String(i))!;
    assert.ok(byPosition);
    const seen = new Map<string, { index: number; records: string[] }>();
    let shared = 0;
    for (const [index, unit] of units.entries()) {
      const records = byPosition.get(String(index));
      if (!records) continue;
      const key = unitKey(unit, style);
      const first = seen.get(key);
      if (!first) seen.set(key, { index, records });
      else {
        shared++;
        assert.equal(records, first.records, `units ${first.index} and ${index} share the key ${JSON.stringify(key)}`);
      }
    }
    // Units that differ only in their actions share a key (there are such units in most traces).
    if (units.length > 20) assert.ok(shared > 0 || seen.size === units.length);
  });
}

test('the key: every cookie and in_port value, output lines whole, indentation unless stripped', () => {
  const unit = [' 8. reg14=0x1,metadata=0x3, priority 50, cookie 0x3f8e0a5d', '    set_field:0/0x1000->reg10', '    resubmit(,73)'];
  const sameFlowOtherActions = [' 8. reg14=0x1,metadata=0x3, priority 50, cookie 0x3f8e0a5d', '    ct(table=9,zone=NXM_NX_REG13[0..15])'];
  assert.is(unitKey(unit, 'strip'), unitKey(sameFlowOtherActions, 'strip'));
  // The cookie, an in_port, an output, and the indentation in the layouts that keep it.
  assert.is.not(unitKey(unit, 'strip'), unitKey([' 8. reg14=0x1,metadata=0x3, priority 50, cookie 0x3f8e0a5e'], 'strip'));
  assert.is.not(unitKey([' 0. in_port=1, priority 100, cookie 0xab'], 'strip'), unitKey([' 0. in_port=12, priority 100, cookie 0xab'], 'strip'));
  assert.is.not(unitKey([' 65. reg15=0x1, cookie 0xab', '    output:5'], 'strip'), unitKey([' 65. reg15=0x1, cookie 0xab', '    output:6'], 'strip'));
  assert.is(unitKey([' 8. cookie 0xab'], 'strip'), unitKey(['        8. cookie 0xab'], 'strip'));
  // A table line's in_port (decoded with --ovs) is not a Flow: line's, nor another table's.
  assert.is.not(unitKey([' 0. in_port=5, priority 100'], 'strip'), unitKey(['Flow: tcp,in_port=5,vlan_tci=0x0000'], 'strip'));
  assert.is.not(unitKey([' 0. in_port=5, priority 100'], 'strip'), unitKey([' 0. reg14=0x1,in_port=5, priority 100'], 'strip'));
  assert.is.not(unitKey([' 0. in_port=5, priority 100'], 'strip'), unitKey([' 1. in_port=5, priority 100'], 'strip'));
  assert.is.not(unitKey([' 8. cookie 0xab'], 'rstrip'), unitKey(['        8. cookie 0xab'], 'rstrip'));
  assert.is.not(unitKey([' 8. cookie 0xab'], 'keep'), unitKey(['        8. cookie 0xab'], 'keep'));
  // The dump-flows form (24.09+), and units with nothing to look up.
  assert.is.not(unitKey([' 8. cookie=0xab'], 'strip'), unitKey([' 8. cookie=0xac'], 'strip'));
  assert.is(unitKey(['', 'bridge("br-int")'], 'strip'), unitKey(['', 'Datapath actions: drop'], 'strip'));
});

test('distinct units asked in any order give the same records', () => {
  const run = runs.find((r) => r.name === 'ovn-detrace-acl-default-deny.cmd')!;
  const units = splitUnits(run.input)!;
  const records = parseLookupAnswer(units, answerInTraceOrder(run.output), 'strip')!;
  // What the tool answers when asked about the distinct units, last first.
  const distinct = [...new Map(units.map((u) => [unitKey(u, 'strip'), u])).values()].reverse();
  const answer = simulateTool(lookupFeed(distinct), records);
  const again = parseLookupAnswer(distinct, answer, 'strip');
  assert.ok(again);
  assert.equal(new Map([...again].sort()), new Map([...records].sort()));
});

test('answers of another shape are refused', () => {
  const units = splitUnits('Flow: x\n 0. in_port=1, cookie 0xab\n    resubmit(,8)\n 8. cookie 0xcd\n')!;
  const ok = ['', 'Flow: x', '0. in_port=1, cookie 0xab', 'resubmit(,8)', '  * rec ab', '8. cookie 0xcd', '  * rec cd', '', ''];
  const records = parseLookupAnswer(units, ok, 'strip');
  assert.equal(records?.get(unitKey([' 0. in_port=1, cookie 0xab', '    resubmit(,8)'], 'strip')), ['  * rec ab']);
  assert.equal(records?.get(unitKey([' 8. cookie 0xcd'], 'strip')), ['  * rec cd']);
  // Records after a line that is not a flush line.
  assert.is(parseLookupAnswer(units, ['', 'Flow: x', '0. in_port=1, cookie 0xab', '  * early', 'resubmit(,8)', '8. cookie 0xcd', '', ''], 'strip'), undefined);
  // An echo missing, an echo changed, and text after the last flush.
  assert.is(parseLookupAnswer(units, ok.filter((l) => l !== 'resubmit(,8)'), 'strip'), undefined);
  assert.is(parseLookupAnswer(units, ok.map((l) => (l === 'Flow: x' ? 'Flow: y' : l)), 'strip'), undefined);
  assert.is(parseLookupAnswer(units, [...ok, 'more'], 'strip'), undefined);
  // Records before the first unit could belong to nothing.
  assert.is(parseLookupAnswer(units, ['  * stray', ...ok], 'strip'), undefined);
});

test('units: flush lines start them, the end of input is an empty line, odd text is not split', () => {
  assert.equal(splitUnits('Flow: x\n\nbridge\n 0. a\n    b\n10. c\n'), [['Flow: x'], ['', 'bridge'], [' 0. a', '    b'], ['10. c'], ['']]);
  assert.equal(splitUnits('Flow: x\n 0. a'), splitUnits('Flow: x\n 0. a\n'));
  assert.equal(splitUnits(''), [['']]);
  assert.is(splitUnits('Flow: x\r\n 0. a\n'), undefined);
  assert.is(splitUnits('Flow: é\n'), undefined);
  assert.equal(lookupFeed([['Flow: x'], [' 0. a', '    b']]), ['', 'Flow: x', ' 0. a', '    b', '']);
});

test('the probe line tells the echo styles apart', () => {
  const m = 'cni-trace-detrace-abc echo';
  const probe = echoProbeLine(m);
  assert.is(echoStyleFromProbe(probe.trim(), m), 'strip');
  assert.is(echoStyleFromProbe(probe.trimEnd(), m), 'rstrip');
  assert.is(echoStyleFromProbe(probe, m), 'keep');
  assert.is(echoStyleFromProbe(`> ${probe}`, m), undefined);
});

test.run();
