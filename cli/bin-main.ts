import { runCli, type CliIo } from './main.js';

/** Process wiring of the CLI: real stdout/stderr, signals, built-in drivers. */
export async function main(argv: string[]): Promise<number> {
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
    onInterrupt: (handler) => {
      let count = 0;
      const onSignal = () => {
        // A second Ctrl-C gives up waiting for clean-up.
        if (++count > 1) process.exit(130);
        handler();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
  };
  return runCli(argv, io, async () => {
    await import('reflect-metadata');
    const [{ container }, { registerBuiltinDrivers }] = await Promise.all([import('tsyringe'), import('./builtin-drivers.js')]);
    const child = container.createChildContainer();
    await registerBuiltinDrivers(child);
    return child;
  });
}
