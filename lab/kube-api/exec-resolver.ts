/**
 * How the lab API server turns `pods/exec` into a real process: an {@link ExecResolver} maps the
 * container and requested command to an argv (and environment) to spawn on this machine.
 */

/** The container and command of an exec request. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

/** What to spawn for an exec request. */
export interface ExecResolution {
  /** Program and arguments, spawned without a shell. */
  argv: string[];
  /** Variables set on top of the server's own environment. */
  env?: Record<string, string>;
  /** Working directory (default: the server's). */
  cwd?: string;
  /**
   * `PATH` used to check that the requested command exists before spawning (a missing binary is
   * reported like a container runtime does). Default: `env.PATH`, else the server's PATH.
   */
  lookupPath?: string;
  /** Skip that check, e.g. when argv enters a different filesystem (chroot) where PATH differs. */
  skipCommandCheck?: boolean;
}

/** Maps an exec request to a process; `undefined` means the container has no runtime in the lab. */
export type ExecResolver = (target: ExecTarget) => ExecResolution | undefined;

/** One entry of the data-driven resolver: run `[...wrap, ...command]` with `env`. */
export interface ExecWrapEntry {
  wrap: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Data-driven resolver for the daemon mode: keys are `<namespace>/<pod>/<container>` or
 * `<namespace>/<pod>` (any container); the container-specific entry wins.
 */
export type ExecWrapMap = Record<string, ExecWrapEntry>;

/** Builds an {@link ExecResolver} from an {@link ExecWrapMap}. */
export function execResolverFromMap(map: ExecWrapMap): ExecResolver {
  return (t) => {
    const entry = map[`${t.namespace}/${t.pod}/${t.container}`] ?? map[`${t.namespace}/${t.pod}`];
    if (!entry) return undefined;
    return { argv: [...entry.wrap, ...t.command], ...(entry.env ? { env: entry.env } : {}), ...(entry.cwd ? { cwd: entry.cwd } : {}) };
  };
}
