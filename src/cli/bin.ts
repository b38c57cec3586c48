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

// `berth render | head` closes the pipe early: that is the reader's choice, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), { signal: controller.signal });
