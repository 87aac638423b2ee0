/**
 * Times one parser on one captured output, in a process of its own (a heap that holds nothing
 * else). Throughput is bytes over total time: each sample is `PARSES_PER_SAMPLE` consecutive
 * parses, so the garbage collections the parses cause are paid inside the samples, spread
 * evenly (one parse alone swings ~2x with whether a major collection of the previous result
 * falls in it). Prints `{ "baseline": [ms per parse...], "parse": [ms per parse...] }`.
 *
 * Usage: node parse-worker.js ovn-trace|ofproto-trace|ovn-detrace <file> <samples>
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseOvnDetrace } from '../../drivers/ovn/parsers/ovn-detrace-parser.js';
import { parseOvnTrace } from '../../drivers/ovn/parsers/ovn-trace-parser.js';
import { parseOfprotoTrace } from '../../drivers/ovs-common/ofproto-trace-parser.js';

/** Each parser, and the success string ovnkube-trace would search its tool's output for. */
export const PARSERS: Record<string, { parse: (text: string) => unknown; check: RegExp }> = {
  'ovn-trace': { parse: (t) => parseOvnTrace(t), check: /output to "/ },
  'ofproto-trace': { parse: (t) => parseOfprotoTrace(t), check: /-> output to kernel tunnel/ },
  'ovn-detrace': { parse: (t) => parseOvnDetrace(t), check: /Logical flow/ },
};

/** Parses per sample. */
export const PARSES_PER_SAMPLE = 4;

function main(argv: string[]): void {
  const [id, file, count] = argv;
  const parser = id ? PARSERS[id] : undefined;
  if (!parser || !file) throw new Error('usage: node parse-worker.js <parser> <file> <samples>');
  const text = readFileSync(file, 'utf8');
  const samples = Number(count ?? 25);
  for (let i = 0; i < 3; i++) parser.parse(text);
  const baseline: number[] = [];
  const parse: number[] = [];
  let sink = 0;
  for (let i = 0; i < samples; i++) {
    let t0 = performance.now();
    // What ovnkube-trace does with the text (plus the line split any line parser pays).
    for (let k = 0; k < PARSES_PER_SAMPLE; k++) sink += text.split('\n').length + Number(parser.check.test(text));
    baseline.push((performance.now() - t0) / PARSES_PER_SAMPLE);
    t0 = performance.now();
    for (let k = 0; k < PARSES_PER_SAMPLE; k++) parser.parse(text);
    parse.push((performance.now() - t0) / PARSES_PER_SAMPLE);
  }
  process.stdout.write(`${JSON.stringify({ baseline, parse, sink })}\n`);
}

// Run only as a program (the bench imports the constant above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
