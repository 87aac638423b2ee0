import { runCli, type CliIo } from './main.js';
import { installProcessInterrupts, type ProcessInterrupts } from './process-interrupts.js';

/**
 * Process wiring of the CLI: real stdout/stderr (writes dropped once closed), the interrupts
 * (installed by the bin before this module loads), built-in drivers.
 */
export async function main(argv: string[], interrupts: ProcessInterrupts = installProcessInterrupts()): Promise<number> {
  const io: CliIo = {
    stdout: (t) => interrupts.writeStdout(t),
    stderr: (t) => interrupts.writeStderr(t),
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
    onInterrupt: (handler) => interrupts.onInterrupt(handler),
  };
  return runCli(argv, io, async () => {
    await import('reflect-metadata');
    const [{ container }, { registerBuiltinDrivers }] = await Promise.all([import('tsyringe'), import('./builtin-drivers.js')]);
    const child = container.createChildContainer();
    await registerBuiltinDrivers(child);
    return child;
  });
}
