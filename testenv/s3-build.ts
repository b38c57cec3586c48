// The S3-compatible server the backup tests write to: Versity's gateway (versitygw) with its
// posix backend, a real implementation of the S3 protocol (multipart uploads, checksums),
// built from the Go module proxy like the control plane. It has far fewer dependencies than
// MinIO or SeaweedFS and compiles in a few minutes on 2 cores.
import { join } from 'node:path';
import { buildDir } from './paths.ts';

export const VERSITYGW_VERSION = 'v1.8.0';
export const versitygwBuildDir = join(buildDir, `versitygw-${VERSITYGW_VERSION}`);
export const versitygwBinary = join(versitygwBuildDir, 'bin', 'versitygw');

/** A component for build.ts (same shape as the control plane's). */
export function versitygwComponent() {
  return {
    name: `versitygw ${VERSITYGW_VERSION}`,
    dir: versitygwBuildDir,
    modulePath: 'berth.local/testenv-versitygw',
    getArgs: async () => [`github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`],
    packages: ['github.com/versity/versitygw/cmd/versitygw'],
    ldflags: '-s -w',
    outputs: [versitygwBinary],
  };
}
