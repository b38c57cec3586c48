/**
 * Typed errors. Library code throws these; only the CLI's error boundary turns them into
 * exit codes and printed text, so nothing below the CLI calls process.exit.
 */

/** Exit codes are part of berth's public interface: scripts branch on them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  /** Bad arguments or an invalid config: nothing was done. */
  usage: 2,
  /** The cluster or the database could not be reached, or refused our credentials. */
  unreachable: 3,
  /** Someone else holds the lock, or the object changed under us. */
  conflict: 4,
  /** Applied migrations no longer match the files on disk. */
  drift: 5,
  /** A deploy failed and was rolled back. */
  deployFailed: 6,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface BerthErrorOptions {
  /** What the user should do next; printed under the message. */
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** An error the user can act on: printed without a stack trace. */
export class BerthError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends BerthError {
  constructor(message: string, options: Omit<BerthErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
  }
}

/** One problem found in a config, located by its field path (`apps.api.domains[1]`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The config cannot be used; every problem is listed so the user fixes them in one pass. */
export class ConfigError extends BerthError {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string, hint?: string) {
    const where = file ? ` in ${file}` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid config${where}: ${count}\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`, {
      exitCode: ExitCode.usage,
      hint: hint ?? 'Fix the fields above and run `berth validate` again. Nothing was rendered or applied.',
    });
    this.issues = issues;
    this.file = file;
  }
}
