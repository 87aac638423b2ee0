/**
 * `lab` command line: `lab up [scenario.yaml]`, `lab down`, `lab status`.
 * The API server runs as a daemon so `lab up` returns while the lab keeps running.
 */
import { resolve } from 'node:path';
import { Lab, type ApiServerMode } from './lab.js';
import { defaultScenarioPath, defaultStateDir } from './lab-paths.js';
import { loadScenario } from './scenario/scenario-loader.js';

const USAGE = `Usage:
  lab up [scenario.yaml] [--state-dir DIR] [--no-api] [--timeout SECONDS]
      Start a lab (default scenario: lab/scenarios/default.yaml) and print its kubeconfigs.
  lab down [scenario.yaml] [--state-dir DIR]
      Stop the lab recorded in the state directory.
  lab status [scenario.yaml] [--state-dir DIR]
      Show the lab's nodes, sockets and processes.
The state directory defaults to $CNI_TRACE_LAB_DIR/<scenario name> or <repo>/.lab/<scenario name>.`;

interface CliArgs {
  command: string;
  scenario?: string;
  stateDir?: string;
  noApi: boolean;
  timeoutS?: number;
}

/** A usage mistake on the lab command line. */
export class LabUsageError extends Error {
  readonly code = 'LAB_USAGE';
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = 'LabUsageError';
  }
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { command: argv[0] ?? 'help', noApi: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new LabUsageError(`${a.split('=')[0]} needs a value`);
      return v;
    };
    if (a === '--state-dir' || a.startsWith('--state-dir=')) args.stateDir = value();
    else if (a === '--timeout' || a.startsWith('--timeout=')) {
      const n = Number(value());
      if (!(n > 0)) throw new LabUsageError('--timeout must be a positive number of seconds');
      args.timeoutS = n;
    } else if (a === '--no-api') args.noApi = true;
    else if (a.startsWith('-')) throw new LabUsageError(`unknown option ${a}`);
    else if (args.scenario === undefined) args.scenario = a;
    else throw new LabUsageError(`unexpected argument ${a}`);
  }
  return args;
}

function stateDirFor(args: CliArgs): string {
  if (args.stateDir) return resolve(args.stateDir);
  return defaultStateDir(loadScenario(args.scenario ?? defaultScenarioPath()).name);
}

/** Runs the CLI; returns the exit code. */
export async function runLabCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'up': {
        const scenarioPath = resolve(args.scenario ?? defaultScenarioPath());
        const started = Date.now();
        const mode: ApiServerMode = args.noApi ? 'none' : 'daemon';
        const lab = await Lab.up(scenarioPath, {
          stateDir: args.stateDir,
          apiServer: mode,
          readyTimeoutMs: args.timeoutS ? args.timeoutS * 1000 : undefined,
          log: (m) => err(`lab: ${m}\n`),
        });
        out(upSummary(lab, (Date.now() - started) / 1000));
        return 0;
      }
      case 'down': {
        const dir = stateDirFor(args);
        const r = await Lab.down(dir);
        out(`Lab in ${dir} stopped (${r.stopped} processes).\n`);
        return 0;
      }
      case 'status': {
        const dir = stateDirFor(args);
        const st = Lab.status(dir);
        if (!st) {
          out(`No lab in ${dir}.\n`);
          return 1;
        }
        out(statusText(st.state, st.live.length));
        return st.live.length === st.state.processes.length ? 0 : 1;
      }
      case 'help':
      case '--help':
      case '-h':
        out(`${USAGE}\n`);
        return 0;
      default:
        throw new LabUsageError(`unknown command "${args.command}"`);
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    err(`lab: ${(e as Error).message}${code ? ` [${code}]` : ''}\n`);
    return code === 'LAB_USAGE' ? 2 : 1;
  }
}

function upSummary(lab: Lab, seconds: number): string {
  const lines = [`Lab "${lab.scenario.name}" is up (${lab.mode}, ${lab.nodes.length + lab.antreaNodes.length} nodes) in ${seconds.toFixed(1)} s.`, `  state dir:  ${lab.stateDir}`];
  if (lab.kubeconfigPath) {
    lines.push(`  kubeconfig: ${lab.kubeconfigPath}   (admin)`, `  restricted: ${lab.restrictedKubeconfigPath}   (user "restricted": ${(lab.scenario.restrictedUserDenies ?? []).join(', ') || 'no denies'})`);
    lines.push('', 'Use it:', `  export KUBECONFIG=${lab.kubeconfigPath}`, '  npx cni-trace --help        # trace between the scenario\'s pods');
  } else {
    lines.push('  (no Kubernetes API: started with --no-api)');
  }
  lines.push('', `Nodes (run ${lab.flavour === 'antrea' ? 'OVS' : 'OVN'} tools against a node from this machine):`);
  for (const n of lab.nodes) {
    lines.push(`  ${n.name} (zone ${n.zone}, ${n.nodeIP}): ovn-trace --db unix:${n.sbSocket} ${n.name} '<microflow>'`);
  }
  for (const n of lab.antreaNodes) {
    lines.push(`  ${n.name} (${n.nodeIP}, pods ${n.podSubnet}): OVS_RUNDIR=${n.ovsRunDir} ovs-appctl ofproto/trace br-int '<flow>'`);
  }
  lines.push('', `Stop it with: npm run lab -- down${lab.stateDir === defaultStateDir(lab.scenario.name) ? '' : ` --state-dir ${lab.stateDir}`}`, '');
  return lines.join('\n');
}

function statusText(state: NonNullable<ReturnType<typeof Lab.status>>['state'], live: number): string {
  const lines = [
    `Lab "${state.scenarioName}" (${state.mode}), ${state.status}, started ${state.createdAt}`,
    `  state dir: ${state.stateDir}`,
    `  run dir:   ${state.runDir}`,
    `  processes: ${live}/${state.processes.length} running`,
  ];
  if (state.kubeconfigPath) lines.push(`  kubeconfig: ${state.kubeconfigPath}`, `  restricted: ${state.restrictedKubeconfigPath}`);
  for (const n of state.nodes) {
    lines.push(`  node ${n.name}: zone ${n.zone}, NB ${n.nbSocket}, SB ${n.sbSocket}, OVS ${n.ovsDbSocket}`);
  }
  for (const n of state.antreaNodes ?? []) lines.push(`  node ${n.name}: Antrea OVS ${n.ovsDbSocket}, ${n.ports.length} pod ports`);
  for (const p of state.processes) lines.push(`    pid ${p.pid}  ${p.name}`);
  return `${lines.join('\n')}\n`;
}
