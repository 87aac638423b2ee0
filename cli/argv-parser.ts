import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../core/errors.js';
import { CLI_OPTIONS, type CliOption } from './cli-options.js';

/** Parsed flag values, keyed by canonical option name. */
export type ParsedFlags = Partial<Record<string, string | boolean>>;

const byLongName = new Map<string, CliOption>();
for (const opt of CLI_OPTIONS) {
  byLongName.set(opt.name, opt);
  for (const alias of opt.aliases ?? []) byLongName.set(alias, opt);
}

const byShortName = new Map<string, CliOption>();
for (const opt of CLI_OPTIONS) if (opt.short) byShortName.set(opt.short, opt);

/** How a flag was spelled where it was given, for messages (`-src`, `--source`, `-S`). */
function spelling(arg: string): string {
  const name = arg.split('=')[0]!;
  return /^-[A-Za-z]/.test(name) && !byLongName.has(name.replace(/^-+/, '')) ? name.slice(0, 2) : name;
}

/**
 * Refuses a flag given twice under any of its spellings (`--dst a --dst b`, `-S x --source y`,
 * `-ovn-config-namespace a --ovn-namespace b`, `-tcp -tcp=false`): node's parseArgs keeps the last
 * value silently, which would trace something other than what the user read on their command line.
 * No flag of cni-trace is meant to repeat.
 */
function refuseRepeatedFlags(argv: readonly string[]): void {
  const seen = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    // Long names first (`-tcp` is ovnkube-trace's --tcp, not -t cp), then `-S`, `-S=x`, `-ojson`.
    const long = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=.*)?$/s.exec(arg);
    let opt = long ? byLongName.get(long[1]!) : undefined;
    let inlineValue = arg.includes('=');
    if (!opt && /^-[A-Za-z]/.test(arg)) {
      opt = byShortName.get(arg[1]!);
      inlineValue = arg.length > 2;
    }
    if (!opt) continue;
    const earlier = seen.get(opt.name);
    if (earlier !== undefined) {
      const same = earlier === spelling(arg) ? `${earlier} is given twice` : `${earlier} and ${spelling(arg)} both set it`;
      throw new InvalidArgumentError(opt.name, `${same}; give it once (a repeated flag would silently override the first value)`);
    }
    seen.set(opt.name, spelling(arg));
    // The value of a string flag given as a separate argument is not a flag of its own.
    if (opt.type === 'string' && !inlineValue) i++;
  }
}

/**
 * Rewrites Go-flag spellings (`-src x`, `-tcp`, `-dst-port=80`, `-tcp=true`, ovnkube-trace's
 * `-ovn-config-namespace`) and aliases into canonical `--name` arguments that node's parseArgs
 * understands. Single-letter flags (`-S`, `-o`) are left alone.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  refuseRepeatedFlags(argv);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    const isShortCluster = /^-[A-Za-z]$/.test(arg);
    if (!m || isShortCluster) {
      out.push(arg);
      continue;
    }
    const [, rawName, value] = m;
    const opt = byLongName.get(rawName!);
    if (!opt) {
      // Unknown: keep it so parseArgs reports it by name.
      out.push(arg.startsWith('--') ? arg : `-${arg}`);
      continue;
    }
    if (opt.type === 'boolean') {
      if (value === undefined || value === 'true') out.push(`--${opt.name}`);
      else if (value !== 'false') throw new InvalidArgumentError(opt.name, `"${value}" is not true or false`);
      continue;
    }
    out.push(value === undefined ? `--${opt.name}` : `--${opt.name}=${value}`);
  }
  return out;
}

/** Parses the command line into flag values; unknown flags and stray arguments are usage errors. */
export function parseCliArgs(argv: readonly string[]): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const opt of CLI_OPTIONS) options[opt.name] = { type: opt.type, ...(opt.short ? { short: opt.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: normalizeArgv(argv), options, strict: true, allowPositionals: true });
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) throw new InvalidArgumentError(unknown[1]!.replace(/^-+/, ''), `unknown flag ${unknown[1]}; run cni-trace --help for the list`);
    const missing = /Option '(?:-\w, )?--([\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new InvalidArgumentError(missing[1]!, 'a value is required');
    throw new InvalidArgumentError('args', message);
  }
  if (parsed.positionals.length > 0) {
    throw new InvalidArgumentError('args', `unexpected argument "${parsed.positionals[0]}"; every value needs its flag (run cni-trace --help)`);
  }
  return parsed.values as ParsedFlags;
}
