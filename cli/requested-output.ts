import { normalizeArgv } from './argv-parser.js';

/** The output formats of `-o/--output` (the CLI's copy: `--help` must not load the formatters). */
export type RequestedOutput = 'text' | 'json' | 'yaml' | 'junit';

const FORMATS: readonly string[] = ['text', 'json', 'yaml', 'junit'];

/**
 * The output format a command line asks for, read before (and whether or not) the rest of it is
 * valid, so that a usage error is reported in that format too: a CI job that runs
 * `cni-trace ... -o junit` with a typo still gets a JUnit report. Tolerant by design: an
 * unparseable command line or an unknown format gives `text` (the flag parser then reports it).
 */
export function requestedOutput(argv: readonly string[]): RequestedOutput {
  let args: readonly string[];
  try {
    args = normalizeArgv(argv);
  } catch {
    args = argv;
  }
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    let value: string | undefined;
    if (arg === '-o' || arg === '--output') value = args[i + 1];
    else if (arg.startsWith('--output=')) value = arg.slice('--output='.length);
    else if (arg.startsWith('-o=')) value = arg.slice(3);
    else if (/^-o[a-z]+$/.test(arg)) value = arg.slice(2);
    if (value !== undefined && FORMATS.includes(value)) found = value;
  }
  return (found ?? 'text') as RequestedOutput;
}
