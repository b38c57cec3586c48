/** Process entry: wires Ctrl-C to an abort signal and sets the exit code. The CLI never calls exit. */
import { ExitCode } from '../errors.ts';
import { runCli } from './main.ts';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(ExitCode.interrupted);
  process.stderr.write('\nStopping at the next safe point… (Ctrl-C again to force)\n');
  controller.abort(new Error('interrupted'));
});

process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
