/** Where a lab keeps its state and its (short-pathed) run directory. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Unix socket paths must fit in sun_path (108 bytes); stay well below. */
export const MAX_SOCKET_PATH = 100;
/** Longest file name the lab puts in a node directory (`<node>/ovs/ovs-vswitchd.<pid>.ctl`). */
const LONGEST_SUFFIX = '/ovs/ovs-vswitchd.4194304.ctl'.length + 25;

/** The repository root (folder with package.json), found from this module's location. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** The default scenario file (`lab/scenarios/default.yaml`). */
export function defaultScenarioPath(): string {
  return join(repoRoot(), 'lab', 'scenarios', 'default.yaml');
}

/**
 * State directory of a scenario: `$CNI_TRACE_LAB_DIR/<name>` when the variable is set, else
 * `<repo>/.lab/<name>`.
 */
export function defaultStateDir(scenarioName: string): string {
  const base = process.env.CNI_TRACE_LAB_DIR ? resolve(process.env.CNI_TRACE_LAB_DIR) : join(repoRoot(), '.lab');
  return join(base, scenarioName);
}

/**
 * Run directory (sockets, databases, logs): `<stateDir>/run` when socket paths stay short enough,
 * else a stable directory under /tmp derived from the state directory.
 */
export function chooseRunDir(stateDir: string): string {
  const inState = join(resolve(stateDir), 'run');
  if (inState.length + LONGEST_SUFFIX <= MAX_SOCKET_PATH) return inState;
  const id = createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 10);
  return join('/tmp', `cni-lab-${id}`);
}
