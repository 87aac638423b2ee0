/**
 * The shell session's wire format: argv frames sent to bash, and the splitter that cuts the
 * session's stdout and stderr into per-command frames however the chunks fall.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  END_FRAME,
  SHELL_SESSION_SCRIPT,
  SessionProtocolError,
  SessionStreamSplitter,
  canFrame,
  commandFrame,
  shellSessionArgv,
  type SessionFrame,
} from '../../../core/runner/shell-session-protocol.js';

const M = 'cni-trace-session-0123456789abcdef01';

/** Feeds the chunks one after another and collects every frame. */
function feed(stream: 'stdout' | 'stderr', chunks: string[]): { frames: SessionFrame[]; rest: string } {
  const splitter = new SessionStreamSplitter(M, stream);
  const frames: SessionFrame[] = [];
  for (const c of chunks) frames.push(...splitter.push(c));
  return { frames, rest: splitter.rest };
}

function throwsProtocol(stream: 'stdout' | 'stderr', chunks: string[], pattern?: RegExp): void {
  try {
    feed(stream, chunks);
    assert.unreachable(`should throw for ${JSON.stringify(chunks)}`);
  } catch (err) {
    assert.instance(err, SessionProtocolError);
    assert.is((err as Error).name, 'SessionProtocolError');
    if (pattern) assert.match((err as Error).message, pattern);
  }
}

// ---- input frames ---------------------------------------------------------------------------

test('commandFrame: id, argc and every argument, each NUL-terminated, verbatim', () => {
  assert.is(commandFrame('7', ['ls', '-l']), '7\x002\x00ls\x00-l\x00');
  assert.is(commandFrame('12', ['echo', '', 'a b', 'x\ny', '$(id)', '`id`', '*', "'q'", '"d"', '\\']), '12\x0010\x00echo\x00\x00a b\x00x\ny\x00$(id)\x00`id`\x00*\x00\'q\'\x00"d"\x00\\\x00');
  assert.is(commandFrame('1', ['true']), '1\x001\x00true\x00');
  // An empty argv still has a well-formed frame (the session answers "missing").
  assert.is(commandFrame('3', []), '3\x000\x00');
  // Unicode passes as is.
  assert.is(commandFrame('4', ['ünï©ødé ✓ 😀']), '4\x001\x00ünï©ødé ✓ 😀\x00');
});

test('canFrame: non-empty argv without NUL', () => {
  assert.ok(canFrame(['ovs-appctl', 'ofproto/trace', 'br-int', 'in_port=1']));
  assert.ok(canFrame(['x', '']));
  assert.ok(canFrame(['']));
  assert.ok(canFrame(['a b', 'new\nline', '$(id)', '\t']));
  assert.not.ok(canFrame([]));
  assert.not.ok(canFrame(['a\0b']));
  assert.not.ok(canFrame(['ok', 'bad\0']));
  assert.not.ok(canFrame(['\0']));
});

test('END_FRAME is a lone NUL (an empty id), which no command frame starts with', () => {
  assert.is(END_FRAME, '\0');
  assert.is.not(commandFrame('1', ['true'])[0], '\0');
});

test('shellSessionArgv: bash -c SCRIPT, a $0 name, the marker as $1', () => {
  assert.equal(shellSessionArgv(M), ['bash', '-c', SHELL_SESSION_SCRIPT, 'cni-trace-session', M]);
  assert.ok(canFrame(shellSessionArgv(M)));
  // The script reads arguments as NUL-separated data and execs them (no eval anywhere).
  assert.match(SHELL_SESSION_SCRIPT, /read -r -d ''/);
  assert.not.match(SHELL_SESSION_SCRIPT, /\beval\b/);
});

// ---- the stdout splitter -------------------------------------------------------------------

const STDOUT_STREAM =
  'hello\nworld\n' +
  `${M} 1 exit 0\n` +
  'no final newline' +
  `${M} 2 exit 3\n` +
  // empty output
  `${M} 3 missing\n` +
  `${M} 4 exit 0\n` +
  // text with other, similar markers, kept as output
  `cni-trace-session-ffffffffffffffffff 9 exit 0\n${M.slice(0, -1)} 9 exit 1\n${M}x 9 exit 2\n${M}\n ${M.slice(1)} 1 exit 0\n` +
  `${M} 5 exit 255\n` +
  'ünï©ødé ✓ 😀\r\n\ttab' +
  `${M} 6 exit 1\n`;

const STDOUT_FRAMES: SessionFrame[] = [
  { id: '1', text: 'hello\nworld\n', status: { kind: 'exit', code: 0 } },
  { id: '2', text: 'no final newline', status: { kind: 'exit', code: 3 } },
  { id: '3', text: '', status: { kind: 'missing' } },
  { id: '4', text: '', status: { kind: 'exit', code: 0 } },
  {
    id: '5',
    text: `cni-trace-session-ffffffffffffffffff 9 exit 0\n${M.slice(0, -1)} 9 exit 1\n${M}x 9 exit 2\n${M}\n ${M.slice(1)} 1 exit 0\n`,
    status: { kind: 'exit', code: 255 },
  },
  { id: '6', text: 'ünï©ødé ✓ 😀\r\n\ttab', status: { kind: 'exit', code: 1 } },
];

test('stdout: several frames in one chunk, with exit codes, missing, empty output and no final newline', () => {
  const { frames, rest } = feed('stdout', [STDOUT_STREAM]);
  assert.equal(frames, STDOUT_FRAMES);
  assert.is(rest, '');
});

test('stdout: the same frames whatever one split position (inside markers, before the newline)', () => {
  for (let i = 0; i <= STDOUT_STREAM.length; i++) {
    const { frames, rest } = feed('stdout', [STDOUT_STREAM.slice(0, i), STDOUT_STREAM.slice(i)]);
    assert.equal(frames, STDOUT_FRAMES, `split at ${i}`);
    assert.is(rest, '');
  }
});

test('stdout: the same frames whatever two split positions', () => {
  // The first two frames with their markers, every (i, j) pair.
  const stream = `ab\n${M} 1 exit 0\nc${M} 2 missing\n`;
  const expected: SessionFrame[] = [
    { id: '1', text: 'ab\n', status: { kind: 'exit', code: 0 } },
    { id: '2', text: 'c', status: { kind: 'missing' } },
  ];
  for (let i = 0; i <= stream.length; i++) {
    for (let j = i; j <= stream.length; j++) {
      const { frames, rest } = feed('stdout', [stream.slice(0, i), stream.slice(i, j), stream.slice(j)]);
      assert.equal(frames, expected, `split at ${i}, ${j}`);
      assert.is(rest, '');
    }
  }
});

test('stdout: one character at a time', () => {
  const { frames, rest } = feed('stdout', [...STDOUT_STREAM]);
  assert.equal(frames, STDOUT_FRAMES);
  assert.is(rest, '');
});

test('stdout: each frame comes out as soon as its status line is complete, not before', () => {
  const splitter = new SessionStreamSplitter(M, 'stdout');
  assert.equal(splitter.push('out'), []);
  assert.is(splitter.rest, 'out');
  assert.equal(splitter.push(`${M.slice(0, 10)}`), []);
  assert.equal(splitter.push(`${M.slice(10)} 1 exit 4`), [], 'no newline yet: the code may go on');
  assert.is(splitter.rest, `out${M} 1 exit 4`);
  assert.equal(splitter.push('2\nnext'), [{ id: '1', text: 'out', status: { kind: 'exit', code: 42 } }]);
  assert.is(splitter.rest, 'next');
  assert.equal(splitter.push(''), []);
  assert.equal(splitter.push(`${M} 2 exit 0\n${M} 3 exit 1\n`), [
    { id: '2', text: 'next', status: { kind: 'exit', code: 0 } },
    { id: '3', text: '', status: { kind: 'exit', code: 1 } },
  ]);
  assert.is(splitter.rest, '');
});

test('stdout: large output with no marker for a long time, then the marker', () => {
  const big = 'x'.repeat(100_000) + '\n' + 'y'.repeat(3);
  const splitter = new SessionStreamSplitter(M, 'stdout');
  const frames: SessionFrame[] = [];
  for (let i = 0; i < big.length; i += 4093) frames.push(...splitter.push(big.slice(i, i + 4093)));
  assert.equal(frames, []);
  frames.push(...splitter.push(`${M} 1`), ...splitter.push(' exit 0\n'));
  assert.equal(frames, [{ id: '1', text: big, status: { kind: 'exit', code: 0 } }]);
});

test('stdout: a malformed marker line is a SessionProtocolError', () => {
  throwsProtocol('stdout', [`${M} 1 exit\n`], /unexpected stdout marker line "1 exit"/);
  throwsProtocol('stdout', [`${M} 1 exit -1\n`]);
  throwsProtocol('stdout', [`${M} 1 exit 0 more\n`]);
  throwsProtocol('stdout', [`${M} 1 exit x\n`]);
  throwsProtocol('stdout', [`${M} 1\n`]);
  throwsProtocol('stdout', [`${M} \n`]);
  throwsProtocol('stdout', [`${M} 1 missing \n`]);
  throwsProtocol('stdout', [`${M}  1 exit 0\n`]);
  throwsProtocol('stdout', [`out\n${M} 1 exit 0\n`, `${M} 2 done\n`]);
  // Split before the newline: nothing until the line is complete, then the error.
  const splitter = new SessionStreamSplitter(M, 'stdout');
  assert.equal(splitter.push(`${M} 1 bogus`), []);
  assert.throws(() => splitter.push('\n'), (err: unknown) => err instanceof SessionProtocolError);
});

// ---- the stderr splitter -------------------------------------------------------------------

const STDERR_STREAM = `warning: x\n${M} 1\n${M} 2\npartial${M} 3\n${M}9 1\n${M.slice(0, 20)} 4\n${M} 10\n`;
const STDERR_FRAMES: SessionFrame[] = [
  { id: '1', text: 'warning: x\n' },
  { id: '2', text: '' },
  { id: '3', text: 'partial' },
  { id: '10', text: `${M}9 1\n${M.slice(0, 20)} 4\n` },
];

test('stderr: id-only marker lines, no status, at any split position', () => {
  const whole = feed('stderr', [STDERR_STREAM]);
  assert.equal(whole.frames, STDERR_FRAMES);
  for (const f of whole.frames) assert.not.ok('status' in f && f.status !== undefined);
  for (let i = 0; i <= STDERR_STREAM.length; i++) {
    const { frames, rest } = feed('stderr', [STDERR_STREAM.slice(0, i), STDERR_STREAM.slice(i)]);
    assert.equal(frames, STDERR_FRAMES, `split at ${i}`);
    assert.is(rest, '');
  }
  assert.equal(feed('stderr', [...STDERR_STREAM]).frames, STDERR_FRAMES);
});

test('stderr: a stdout-style or malformed marker line is a SessionProtocolError', () => {
  throwsProtocol('stderr', [`${M} 1 exit 0\n`], /unexpected stderr marker line "1 exit 0"/);
  throwsProtocol('stderr', [`${M} \n`]);
  throwsProtocol('stderr', [`${M} 1 \n`]);
  throwsProtocol('stderr', [`e${M} `, `1 2\n`]);
});

test('stdout and stderr splitters are independent of the other stream`s format', () => {
  // A stderr-style line on stdout is malformed there.
  throwsProtocol('stdout', [`${M} 1\n`]);
  // Text after the last frame stays in rest.
  const { frames, rest } = feed('stderr', [`a${M} 1\nleft`, 'over']);
  assert.equal(frames, [{ id: '1', text: 'a' }]);
  assert.is(rest, 'leftover');
});

test('a splitter for another marker keeps this marker`s lines as output', () => {
  const other = new SessionStreamSplitter('cni-trace-session-aaaaaaaaaaaaaaaaaa', 'stdout');
  assert.equal(other.push(`${M} 1 exit 0\n`), []);
  assert.equal(other.push('cni-trace-session-aaaaaaaaaaaaaaaaaa 1 exit 0\n'), [{ id: '1', text: `${M} 1 exit 0\n`, status: { kind: 'exit', code: 0 } }]);
});

test.run();
