#!/usr/bin/env node
// `npm run lab -- up|down|status`: the cni-trace lab (needs `npm run build` first).
import { runLabCli } from '../dist/lab/lab-cli.js';
process.exitCode = await runLabCli(process.argv.slice(2));
