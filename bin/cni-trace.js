#!/usr/bin/env node
// cni-trace (also installed as kubectl-cni_trace, so `kubectl cni-trace ...` works).
// Interrupts (Ctrl-C, SIGTERM, SIGHUP, a closed stdout) are caught before anything else loads,
// so one that comes while the process starts takes the cancel path too.
import { installProcessInterrupts } from '../dist/cli/process-interrupts.js';

const interrupts = installProcessInterrupts();
const { main } = await import('../dist/cli/bin-main.js');
process.exitCode = await main(process.argv.slice(2), interrupts);
// Interrupted: clean-up is done (main waited for it); a module still loading must not delay the exit.
if (interrupts.first) process.exit(process.exitCode);
// The result is out and clean-up is done: nothing is meant to keep the process alive any more.
// Should something still (a socket a library kept), do not hang a script or a CI job on it.
setTimeout(() => process.exit(process.exitCode), 2000).unref();
