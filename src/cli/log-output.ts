/**
 * How `berth logs` prints: each line whole, in one write, prefixed `[app/process/pod-suffix]` in
 * the pod's own colour on a terminal (kubectl's prefixing writer, stern's colours); stream
 * starts and stops on stderr; one JSON object per line with --json.
 */
import type { LogLine } from '../ops/log-lines.ts';
import { podColour, prefixOf } from '../ops/log-lines.ts';

export { prefixOf } from '../ops/log-lines.ts';
import type { LogNotice, LogTarget } from '../ops/logs.ts';
import type { Output } from './output.ts';

export class LogPrinter {
  private readonly out: Output;
  private readonly timestamps: boolean;
  private readonly follow: boolean;

  constructor(out: Output, options: { timestamps: boolean; follow: boolean }) {
    this.out = out;
    this.timestamps = options.timestamps;
    this.follow = options.follow;
  }

  readonly line = (target: LogTarget, line: LogLine): void => {
    if (this.out.json) {
      this.out.write(
        `${JSON.stringify({ app: target.app, process: target.process, pod: target.pod, container: target.container, time: line.timestamp, line: line.text })}\n`,
      );
      return;
    }
    const prefix = prefixOf(target);
    const painted = this.out.stdoutColour ? `\u001b[${podColour(target.pod)}m${prefix}\u001b[0m` : prefix;
    this.out.write(`${painted} ${this.timestamps && line.timestamp ? `${line.timestamp} ` : ''}${line.text}\n`);
  };

  readonly notice = (notice: LogNotice): void => {
    const paint = this.out.paint.bind(this.out);
    switch (notice.type) {
      case 'started':
        if (this.follow)
          this.out.info(paint('gray', `+ ${prefixOf(notice.target)} ${notice.restart ? 'restarted: following the new container' : 'following'}`));
        return;
      case 'stopped':
        this.out.info(paint('gray', `- ${prefixOf(notice.target)} ${notice.why}`));
        return;
      case 'reconnecting':
        this.out.info(paint('gray', `~ ${prefixOf(notice.target)} connection dropped; resuming after the last line printed`));
        return;
      case 'failed':
        this.out.warn(`${prefixOf(notice.target)} ${notice.message}`);
        return;
      case 'capped':
        this.out.warn(
          `${notice.waiting} more container${notice.waiting === 1 ? '' : 's'} wait: --max-log-requests ${notice.max} streams are open; they start as others end. Narrow with APP/PROCESS, or raise --max-log-requests.`,
        );
        return;
    }
  };

  nothing(what: string): void {
    this.out.info(`No log lines from ${what} (no pods have run, or --since/--grep matched nothing).`);
  }
}
