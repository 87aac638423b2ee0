// Reliability: every bad input is refused before any request that writes (no Traceflow is
// created, nothing is exec'd), on the Antrea lab, with the real CLI as a child process against
// the lab's API server daemon and its request log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RefusalTally, runCliProcess, startLoggingLab, stopLoggingLab, type LoggingLab } from './input-refusal-helpers.js';

let l: LoggingLab | undefined;
const tally = new RefusalTally('input refusals (Antrea)');

test.before(async () => {
  l = await startLoggingLab('lab/scenarios/antrea.yaml');
});

test.after(async () => {
  console.log(tally.report());
  await stopLoggingLab(l);
});

test('control: a good trace creates and deletes its Traceflow (the log sees writes)', async () => {
  const r = await runCliProcess(l!, ['-S', 'frontend/client', '-D', 'frontend/api', '-f', 'tcp,tcp_dst=8080']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.requests.some((q) => q.method === 'POST' && q.path.includes('/traceflows')), 'created');
  assert.ok(r.requests.some((q) => q.method === 'DELETE' && q.path.includes('/traceflows/')), 'deleted');
});

test('-D <IPv6> on the IPv4-only cluster: exit 2 with the OVN wording, no Traceflow created (was exit 1)', async () => {
  tally.refused(await runCliProcess(l!, ['-S', 'frontend/client', '-D', 'fd00::5']), 2, /invalid --src: pod frontend\/client has no IPv6 address \(podIPs: 10\.10\.1\.5\); check --addr-family/, '-D fd00::5');
  tally.refused(await runCliProcess(l!, ['-S', 'frontend/client', '-D', 'backend/db', '--addr-family', 'ip6']), 2, /invalid --src: pod frontend\/client has no IPv6 address/, '--addr-family ip6');
});

test('bad command lines: exit 2 naming the flag, no create', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['-S', 'frontend/client', '-D', 'fe80::1%eth0'], /invalid --destination: "fe80::1%eth0" is a zone-scoped IPv6 address/],
    [['-S', 'fe80::1%eth0', '-D', 'frontend/api', '-L'], /invalid --source: .*zone-scoped/],
    [['-S', 'frontend/client', '-D', 'frontend/api', '--udp', '--tcp-flags', 'SYN'], /invalid --tcp-flags: TCP flags cannot be used with UDP/],
    [['-S', 'frontend/client', '-D', 'frontend/api', '-f', 'udp,udp_dst=53', '--tcp-flags', 'SYN'], /invalid --tcp-flags/],
    [['-S', 'frontend/client', '-S', 'frontend/api', '-D', 'backend/db'], /invalid --source: -S is given twice/],
    [['-S', 'frontend/client', '-D', 'frontend/api', '-t', '301'], /invalid --timeout: 301s is not allowed for an Antrea Traceflow/],
    [['-S', 'frontend/client', '-D', 'frontend/api', '-t', '10s', '--timeout', '20s'], /invalid --timeout: -t and --timeout both set it/],
    [['-S', 'frontend/client', '-D', 'frontend/nope'], /pod or service frontend\/nope not found/],
    [['-S', 'frontend/nope', '-D', 'frontend/api'], /pod frontend\/nope not found/],
    [['--src', 'client', '--src-namespace', 'frontend', '--service', 'nosuch', '--dst-namespace', 'backend', '--tcp', '--dst-port', '80'], /service backend\/nosuch not found/],
    [['-D', 'frontend/api'], /invalid --src/],
  ];
  for (const [args, fragment] of cases) tally.refused(await runCliProcess(l!, args), 2, fragment, args.join(' '));
});

test.run();
