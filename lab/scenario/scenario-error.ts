/** Errors raised while reading or validating a lab scenario. */

/**
 * A scenario file is unreadable or describes an impossible cluster. Raised before any process is
 * started. `issues` lists every problem found, each naming the offending entry.
 */
export class ScenarioError extends Error {
  /** Stable code for programs: `LAB_BAD_SCENARIO`. */
  readonly code = 'LAB_BAD_SCENARIO';
  /** Where the scenario came from (file path, or `<object>`). */
  readonly source: string;
  /** One line per problem, e.g. `pods[1] "backend/db": node "n3" is not defined in nodes`. */
  readonly issues: string[];

  constructor(source: string, issues: string[]) {
    const head = `Invalid lab scenario ${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    super(`${head}\n${issues.map((i) => `  - ${i}`).join('\n')}\nFix the scenario file and run again; nothing was started.`);
    this.name = 'ScenarioError';
    this.source = source;
    this.issues = issues;
  }
}
