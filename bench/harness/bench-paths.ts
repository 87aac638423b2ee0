/**
 * Where things are: the repository, and the build directory the benchmarks run from (the
 * compiled bench sits in `<dist>/bench/`, next to the compiled code it measures, so a private
 * build such as `dist-bench/` measures itself).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The build directory holding this compiled file (`<dist>/bench/harness/bench-paths.js`). */
export const distDir: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The repository root: the first folder above the build directory with a package.json. */
export const repoRoot: string = (() => {
  let dir = distDir;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
})();

/** The build directory relative to the repository (e.g. `dist`). */
export function distName(): string {
  return relative(repoRoot, distDir) || '.';
}

/** Path of a compiled module of the code under test, e.g. `distPath('cli', 'bin-main.js')`. */
export function distPath(...parts: string[]): string {
  return join(distDir, ...parts);
}

/** Default folder of results files (git-ignored). */
export const resultsDir: string = join(repoRoot, 'bench', 'results');

/** The default lab scenario. */
export const defaultScenario: string = join(repoRoot, 'lab', 'scenarios', 'default.yaml');
