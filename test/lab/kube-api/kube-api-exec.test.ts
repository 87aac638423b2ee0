import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough, Readable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import type { ExecTarget } from '../../../lab/kube-api/exec-resolver.js';
import { startLabApi, type LabApi } from './lab-api-fixture.js';

let lab: LabApi;
const resolved: ExecTarget[] = [];

/** Pods: `lab/runner` (two containers, runs commands locally), `lab/ghost` (no runtime). */
const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab' } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'runner', namespace: 'lab' },
    spec: { containers: [{ name: 'main', image: 'x' }, { name: 'side', image: 'x' }] },
    status: { phase: 'Running' },
  },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost', namespace: 'lab' }, spec: { containers: [{ name: 'only', image: 'x' }] }, status: { phase: 'Running' } },
];

interface ExecResult {
  stdout: string;
  stderr: string;
  status: V1Status | undefined;
  protocol: string;
}

/** Runs a command with client-node's Exec and waits for the status (or the socket closing). */
async function runExec(kc: KubeConfig, pod: string, container: string, command: string[], stdin?: Readable, exec = new Exec(kc)): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  let status: V1Status | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const ws = await exec.exec('lab', pod, container, command, stdout, stderr, stdin ?? null, false, (s) => {
    status = s;
    resolveDone();
  });
  ws.on('close', () => resolveDone());
  await done;
  await new Promise((r) => setImmediate(r));
  return { stdout: out, stderr: err, status, protocol: ws.protocol };
}

/** A raw `ws` client on the exec endpoint: collects frames per channel. */
function rawExec(query: string, protocols: string[], token = lab.server.tokenFor('admin')) {
  const ws = new WebSocket(`${lab.url.replace('https', 'wss')}/api/v1/namespaces/lab/pods/runner/exec?${query}`, protocols, {
    ca: Buffer.from(lab.server.address.caData!, 'base64'),
    headers: { Authorization: `Bearer ${token}` },
  });
  const frames: Array<[number, string]> = [];
  ws.on('message', (data: Buffer) => frames.push([data[0]!, data.subarray(1).toString('utf8')]));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  return { ws, frames, closed, opened };
}

/** The HTTP answer to a refused upgrade: status code and JSON body. */
function refusedUpgrade(path: string, token: string): Promise<{ code: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${lab.url.replace('https', 'wss')}${path}`, ['v5.channel.k8s.io'], {
      ca: Buffer.from(lab.server.address.caData!, 'base64'),
      headers: { Authorization: `Bearer ${token}` },
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.on('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.on('error', () => undefined);
  });
}

const processGone = async (pid: number) => {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

test.before(async () => {
  lab = await startLabApi({
    objects,
    execResolver: (t) => {
      resolved.push(t);
      if (t.pod !== 'runner') return undefined;
      // Run locally; the side container proves wrapping and environment reach the process.
      return t.container === 'side' ? { argv: ['env', 'WRAPPED=yes', ...t.command], env: { LAB_CONTAINER: t.container } } : { argv: t.command };
    },
  });
});

test.after(async () => {
  await lab?.stop();
});

test('v5 exec: stdout, stderr and exit code 3 through the status channel', async () => {
  const r = await runExec(lab.kc, 'runner', 'main', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.is(r.protocol, 'v5.channel.k8s.io');
  assert.is(r.stdout, 'out\n');
  assert.is(r.stderr, 'err\n');
  assert.equal(JSON.parse(JSON.stringify(r.status)), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  assert.equal(resolved.at(-1), { namespace: 'lab', pod: 'runner', container: 'main', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
});

test('v5 exec: stdin reaches the process and EOF ends it (cat)', async () => {
  const r = await runExec(lab.kc, 'runner', 'main', ['cat'], Readable.from([Buffer.from('hello\n'), Buffer.from('world\n')]));
  assert.is(r.stdout, 'hello\nworld\n');
  assert.is(r.status?.status, 'Success');
});

test('exec runs the resolver argv with its environment', async () => {
  const r = await runExec(lab.kc, 'runner', 'side', ['sh', '-c', 'echo "$WRAPPED $LAB_CONTAINER"']);
  assert.is(r.stdout, 'yes side\n');
  assert.is(r.status?.status, 'Success');
});

test('v4 exec (client-node forced to v4): JSON status with the exit code', async () => {
  const handler = new WebSocketHandler(lab.kc, (uri, _protocols, opts) => new WebSocket(uri, ['v4.channel.k8s.io'], opts) as never);
  const r = await runExec(lab.kc, 'runner', 'main', ['sh', '-c', 'printf v4; exit 2'], undefined, new Exec(lab.kc, handler));
  assert.is(r.protocol, 'v4.channel.k8s.io');
  assert.is(r.stdout, 'v4');
  assert.is(r.status?.reason, 'NonZeroExitCode');
  assert.equal(r.status?.details?.causes, [{ reason: 'ExitCode', message: '2' }]);
});

test('v4 raw client: initial empty frame, stdin frames, status JSON, normal close', async () => {
  const c = rawExec('command=sh&command=-c&command=read+line%3B+echo+got%3A%24line%3B+exit+2&container=main&stdin=true&stdout=true&stderr=true', ['v4.channel.k8s.io']);
  await c.opened;
  assert.is(c.ws.protocol, 'v4.channel.k8s.io');
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('abc\n')]));
  assert.is(await c.closed, 1000);
  assert.equal(c.frames[0], [1, ''], 'kubelet announces the streams with an empty stdout frame');
  assert.equal(c.frames.filter(([ch]) => ch === 1).map(([, t]) => t).join(''), 'got:abc\n');
  const status = JSON.parse(c.frames.find(([ch]) => ch === 3)![1]);
  assert.is(status.message, 'command terminated with non-zero exit code: error executing command [sh -c read line; echo got:$line; exit 2], exit code 2');
});

test('channel.k8s.io (v1): the error channel carries the bare message', async () => {
  const c = rawExec('command=false&container=main&stdout=true', ['channel.k8s.io']);
  await c.opened;
  await c.closed;
  assert.equal(c.frames.find(([ch]) => ch === 3), [3, 'command terminated with non-zero exit code: error executing command [false], exit code 1']);
});

test('v5 raw client: [255, 0] half-closes stdin', async () => {
  const c = rawExec('command=wc&command=-c&container=main&stdin=true&stdout=true', ['v5.channel.k8s.io']);
  await c.opened;
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('12345')]));
  c.ws.send(Buffer.from([255, 0]));
  await c.closed;
  assert.is(c.frames.filter(([ch]) => ch === 1).map(([, t]) => t).join('').trim(), '5');
  assert.equal(JSON.parse(c.frames.find(([ch]) => ch === 3)![1]), { metadata: {}, status: 'Success' });
});

test('a missing binary is reported like the container runtime does', async () => {
  const r = await runExec(lab.kc, 'runner', 'main', ['no-such-binary-for-lab', '--help']);
  assert.is(r.status?.status, 'Failure');
  assert.is(r.status?.reason, 'InternalError');
  assert.is(r.status?.code, 500);
  assert.match(
    r.status?.message ?? '',
    /^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-binary-for-lab": executable file not found in \$PATH: unknown$/,
  );
  const abs = await runExec(lab.kc, 'runner', 'main', ['/nonexistent/tool']);
  assert.match(abs.status?.message ?? '', /exec: "\/nonexistent\/tool": stat \/nonexistent\/tool: no such file or directory: unknown$/);
});

test('a container without a runtime answers a Failure status', async () => {
  const r = await runExec(lab.kc, 'ghost', 'only', ['true']);
  assert.is(r.status?.status, 'Failure');
  assert.match(r.status?.message ?? '', /container "only" of pod "lab\/ghost" has no runtime in the lab/);
});

test('refused upgrades carry the real Status: 403, 404, 400', async () => {
  const restricted = lab.server.tokenFor('restricted');
  const forbidden = await refusedUpgrade('/api/v1/namespaces/lab/pods/runner/exec?command=true&container=main&stdout=true', restricted);
  assert.is(forbidden.code, 403);
  assert.is(forbidden.body.message, 'pods "runner" is forbidden: User "restricted" cannot create resource "pods/exec" in API group "" in the namespace "lab"');
  const admin = lab.server.tokenFor('admin');
  const missingPod = await refusedUpgrade('/api/v1/namespaces/lab/pods/nope/exec?command=true&container=main&stdout=true', admin);
  assert.is(missingPod.code, 404);
  assert.is(missingPod.body.message, 'pods "nope" not found');
  const badContainer = await refusedUpgrade('/api/v1/namespaces/lab/pods/runner/exec?command=true&container=nope&stdout=true', admin);
  assert.is(badContainer.code, 400);
  assert.is(badContainer.body.message, 'container nope is not valid for pod runner');
  const noContainer = await refusedUpgrade('/api/v1/namespaces/lab/pods/runner/exec?command=true&stdout=true', admin);
  assert.is(noContainer.body.message, 'a container name must be specified for pod runner, choose one of: [main side]');
  const noStreams = await refusedUpgrade('/api/v1/namespaces/lab/pods/runner/exec?command=true&container=main', admin);
  assert.is(noStreams.body.message, 'you must specify at least 1 of stdin, stdout, stderr');
});

test('client-node Exec rejects for the restricted user', async () => {
  try {
    await new Exec(lab.kcRestricted).exec('lab', 'runner', 'main', ['true'], new PassThrough(), new PassThrough(), null, false);
    assert.unreachable('exec should be refused');
  } catch (err) {
    assert.match(String((err as Error).message ?? err), /403/);
  }
});

test('closing the socket kills the process group', async () => {
  const c = rawExec('command=sh&command=-c&command=sleep+30+%26+echo+%24%21%3B+wait&container=main&stdout=true', ['v5.channel.k8s.io']);
  await c.opened;
  for (let i = 0; i < 100 && !c.frames.some(([ch, t]) => ch === 1 && t.trim() !== ''); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(c.frames.find(([ch, t]) => ch === 1 && t.trim() !== '')![1].trim());
  assert.ok(pid > 0);
  process.kill(pid, 0);
  c.ws.close();
  assert.ok(await processGone(pid), `sleep (pid ${pid}) was killed`);
});

test('stop() kills running exec processes', async () => {
  const c = rawExec('command=sh&command=-c&command=echo+%24%24%3B+exec+sleep+30&container=main&stdout=true', ['v5.channel.k8s.io']);
  await c.opened;
  for (let i = 0; i < 100 && !c.frames.some(([ch, t]) => ch === 1 && t.trim() !== ''); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(c.frames.find(([ch, t]) => ch === 1 && t.trim() !== '')![1].trim());
  await lab.server.stop();
  assert.ok(await processGone(pid), `pid ${pid} was killed by stop()`);
  await c.closed;
});

test.run();
