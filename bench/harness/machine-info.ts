/** The machine a benchmark ran on: cores, memory, Node, kernel, and the OVS/OVN versions. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './bench-types.js';

/** First line of a tool's `--version`, or `not installed`. */
function toolVersion(argv: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return pattern.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
  } catch {
    return 'not installed';
  }
}

/** Collects {@link MachineInfo} for this machine. */
export function machineInfo(): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryMB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    ovs: toolVersion(['ovs-vsctl', '--version'], /\(Open vSwitch\)\s+(\S+)/),
    ovn: toolVersion(['ovn-nbctl', '--version'], /^ovn-nbctl\s+(\S+)/m),
  };
}
