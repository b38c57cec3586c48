// The Go toolchain, with module and build caches kept under the berth cache dir.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as paths from './paths.ts';

export function findGo(): string {
  const candidates = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'go'));
  candidates.push('/usr/local/go/bin/go');
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('testenv build needs Go (>= 1.26) on PATH or at /usr/local/go/bin/go');
  return found;
}

export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: paths.goModCache,
    GOCACHE: paths.goBuildCache,
    // -modcacherw keeps `rm -rf ~/.cache/berth` working without chmod.
    GOFLAGS: '-modcacherw -buildvcs=false -trimpath',
    CGO_ENABLED: '0',
  };
}
