/**
 * Reads a credential from where the config points: an environment variable, a file (`~`
 * expanded, relative to the config's directory), or a key of a Kubernetes Secret. The value is
 * never put into an error message; only where it was looked for.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { CredentialRef } from '../config/schema.ts';
import { BerthError, ExitCode } from '../errors.ts';
import type { Cluster } from '../cluster/connect.ts';

export interface CredentialSources {
  /** Directory relative file paths are resolved against (the config file's). */
  cwd: string;
  env: Record<string, string | undefined>;
  /** Opens the cluster only when a credential lives in a Secret. */
  cluster: () => Promise<Cluster>;
  warn?: (message: string) => void;
  /** What the value should be, for the message when it is empty. */
  expect?: string;
}

/**
 * The credential is not where the config points (an unset variable, no such file, a Secret that
 * is missing or unreadable with this kubeconfig), as opposed to present but wrong. A CI deployer
 * without the database admin credential gets this, and deploy can go on without it.
 */
export class CredentialMissingError extends BerthError {}

export function describeCredential(ref: CredentialRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return `Secret ${ref.secret.namespace}/${ref.secret.name} key ${ref.secret.key}`;
}

export async function readCredential(ref: CredentialRef, sources: CredentialSources): Promise<string> {
  const where = describeCredential(ref);
  let value: string | undefined;
  if ('env' in ref) {
    value = sources.env[ref.env];
  } else if ('file' in ref) {
    const path = expandHome(ref.file, sources.cwd);
    value = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new (error.code === 'ENOENT' ? CredentialMissingError : BerthError)(
        `Cannot read the credential from ${where}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`,
        {
          exitCode: ExitCode.usage,
          hint: `Create ${path} (mode 0600) holding the value, or point the config elsewhere.`,
        },
      );
    });
    await warnIfReadable(path, sources.warn);
  } else {
    const [{ readSecret }, { httpStatus }] = await Promise.all([import('../cluster/secrets.ts'), import('../cluster/errors.ts')]);
    const data = await readSecret(await sources.cluster(), ref.secret.namespace, ref.secret.name).catch((error: BerthError) => {
      if (httpStatus(error.cause) !== 403) throw error;
      throw new CredentialMissingError(`Cannot read the credential from ${where}: this kubeconfig may not read it`, {
        exitCode: ExitCode.usage,
        hint: 'Run this with a kubeconfig that may read the Secret, or point the config at an env var or a file.',
        cause: error,
      });
    });
    if (!data) {
      throw new CredentialMissingError(`Cannot read the credential: ${ref.secret.namespace}/${ref.secret.name} does not exist`, {
        exitCode: ExitCode.usage,
        hint: 'Create the Secret, or point the config at an env var or a file.',
      });
    }
    value = data[ref.secret.key];
  }
  value = value?.trim();
  if (!value) {
    throw new CredentialMissingError(`The credential in ${where} is missing or empty`, {
      exitCode: ExitCode.usage,
      hint: `It should hold ${sources.expect ?? 'a postgres:// URL for a role with CREATEROLE and CREATEDB'}.`,
    });
  }
  return value;
}

function expandHome(file: string, cwd: string): string {
  if (file === '~') return homedir();
  if (file.startsWith('~/')) return resolve(homedir(), file.slice(2));
  return resolve(cwd, file);
}

/** A world-readable credential file is worth a word, not a refusal (CI runners vary). */
async function warnIfReadable(path: string, warn: ((message: string) => void) | undefined): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (warn && info && (info.mode & 0o077) !== 0) warn(`${path} holds a credential and is readable by other users: chmod 600 ${path}`);
}
