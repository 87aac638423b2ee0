#!/usr/bin/env node
// cni-trace (also installed as kubectl-cni_trace, so `kubectl cni-trace ...` works).
import { main } from '../dist/cli/bin-main.js';

process.exitCode = await main(process.argv.slice(2));
