/**
 * Where the upstream corpus (real tool output nobody on this project wrote) lives: beside the
 * checkout, never inside it. Tries $CNI_TRACE_SHARED, `<repo>/../shared`, `<repo>/../../shared`
 * (a worktree under /work/wt), then /work/shared, and throws when none holds it, so that a CI
 * without the corpus fails loudly instead of skipping.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** Absolute path of `corpora/upstream`. */
export function upstreamCorpusDir(): string {
  const candidates = [process.env.CNI_TRACE_SHARED, join(repoRoot, '..', 'shared'), join(repoRoot, '..', '..', 'shared'), '/work/shared'].filter(
    (p): p is string => Boolean(p),
  );
  const found = candidates.find((p) => existsSync(join(p, 'corpora', 'upstream', 'manifest.json')));
  if (!found) {
    throw new Error(`upstream corpus not found: looked for corpora/upstream/manifest.json under ${candidates.join(', ')} (set CNI_TRACE_SHARED to the shared folder)`);
  }
  return join(found, 'corpora', 'upstream');
}
