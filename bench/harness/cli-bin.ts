/**
 * The cni-trace executable of the build under test: `bin/cni-trace.js` for `dist/`, otherwise
 * an identical two-line bin that imports the other build directory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distName, distPath, repoRoot } from './bench-paths.js';

/** Path of the bin to run with `node`; `tmp` receives the generated copy when one is needed. */
export function cliBin(tmp: string): string {
  if (distName() === 'dist') return join(repoRoot, 'bin', 'cni-trace.js');
  const bin = join(tmp, 'cni-trace.mjs');
  writeFileSync(bin, `import { main } from ${JSON.stringify(distPath('cli', 'bin-main.js'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  return bin;
}
