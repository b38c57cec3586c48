// The Debian packages the image build needs: mmdebstrap makes the base's root filesystem, podman
// builds and runs, runc is the runtime that works here (crun does not: see podman.ts).
import { writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { run, step } from '../run.ts';

const PACKAGES = ['mmdebstrap', 'podman', 'runc'];

async function installed(pkg: string): Promise<boolean> {
  const { stdout } = await run(['dpkg-query', '-W', '-f=${Status}', pkg]).catch(() => ({ stdout: '' }));
  return stdout.includes('install ok installed');
}

/** Installs whichever of the packages is missing (apt-get update first); a no-op when all are there. */
export async function ensureTools(): Promise<void> {
  const missing: string[] = [];
  for (const pkg of PACKAGES) if (!(await installed(pkg))) missing.push(pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}; install them as root (apt-get install --no-install-recommends ${missing.join(' ')}), then run this again`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(`apt-get install ${missing.join(' ')}`, async () => {
    await run(['apt-get', 'update', '-qq'], { env, timeoutMs: 10 * 60_000 });
    // podman's dependencies ship services (e.g. a socket for the API); nothing here should start one.
    const policy = '/usr/sbin/policy-rc.d';
    const ownPolicy = !existsSync(policy);
    if (ownPolicy) await writeFile(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    try {
      await run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 20 * 60_000 });
    } finally {
      if (ownPolicy) await rm(policy, { force: true });
    }
  });
}
