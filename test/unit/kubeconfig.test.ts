// berth reads kubeconfigs itself (kubectl's loading rules): which cluster, user and credentials a
// command uses must be what kubectl would use with the same KUBECONFIG.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/connect.ts';
import { credentialsFor } from '../../src/cluster/credentials.ts';
import { readKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { BerthError } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-kubeconfig-'));
let n = 0;
function file(content: unknown): string {
  const path = join(dir, `config-${n++}`);
  writeFileSync(path, typeof content === 'string' ? content : dump(content));
  return path;
}

const base = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'office',
  clusters: [{ name: 'k3s', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
  users: [{ name: 'admin', user: { token: 'abc' } }],
  contexts: [{ name: 'office', context: { cluster: 'k3s', user: 'admin', namespace: 'shop' } }],
};

describe('kubeconfig', () => {
  it("uses the current context's cluster, user and namespace", async () => {
    const target = readKubeconfig({ kubeconfig: file(base) });
    expect(target).toMatchObject({ context: 'office', namespace: 'shop', cluster: { server: 'https://10.0.0.1:6443' }, user: { name: 'admin' } });
    const credentials = await credentialsFor(target);
    expect(await credentials.headers()).toEqual({ authorization: 'Bearer abc' });
    expect(credentials.tls.ca?.toString()).toBe('CA');
    expect(credentials.tls.rejectUnauthorized).toBe(true);
  });

  it('merges several files as kubectl does: the first to name a cluster, user or context, and the first current-context, win', () => {
    const second = file({
      'current-context': 'home',
      clusters: [
        { name: 'k3s', cluster: { server: 'https://ignored:6443' } },
        { name: 'lab', cluster: { server: 'https://192.168.1.5:6443', 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'me', user: { username: 'u', password: 'p' } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'me' } }],
    });
    const first = file(base);
    expect(readKubeconfig({ kubeconfig: `${first}:${second}` }).cluster.server).toBe('https://10.0.0.1:6443');
    const lab = readKubeconfig({ kubeconfig: `${first}:${second}`, context: 'lab' });
    expect(lab.cluster).toMatchObject({ server: 'https://192.168.1.5:6443', insecure: true });
    expect(lab.user.username).toBe('u');
  });

  it('reads certificate, key and CA files relative to the kubeconfig, and re-reads a token file', async () => {
    const sub = mkdtempSync(join(dir, 'rel-'));
    writeFileSync(join(sub, 'ca.crt'), 'CAFILE');
    writeFileSync(join(sub, 'client.crt'), 'CERT');
    writeFileSync(join(sub, 'client.key'), 'KEY');
    writeFileSync(join(sub, 'token'), 'first\n');
    const path = join(sub, 'config');
    writeFileSync(
      path,
      dump({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: 'https://h:6443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' } }],
        users: [{ name: 'u', user: { 'client-certificate': 'client.crt', 'client-key': 'client.key', tokenFile: 'token' } }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      }),
    );
    const credentials = await credentialsFor(readKubeconfig({ kubeconfig: path }));
    expect(credentials.tls.ca?.toString()).toBe('CAFILE');
    expect(credentials.tls.cert?.toString()).toBe('CERT');
    expect(credentials.tls.key?.toString()).toBe('KEY');
    expect(credentials.tls.servername).toBe('kubernetes');
    expect(await credentials.headers()).toEqual({ authorization: 'Bearer first' });
  });

  it('says which context is missing and which exist, and names a file that is not there', () => {
    const path = file(base);
    expect(() => connectCluster({ kubeconfig: path, context: 'prod' })).toThrow(
      expect.objectContaining({ message: 'Kube context "prod" is not in the kubeconfig', hint: expect.stringContaining('Contexts available: office') }),
    );
    const missing = join(dir, 'nope');
    expect(() => connectCluster({ kubeconfig: missing })).toThrow(BerthError);
    expect(() => connectCluster({ kubeconfig: missing })).toThrow(`${missing}: no such file`);
    expect(() => connectCluster({ kubeconfig: file('clusters: [') })).toThrow(/Could not read the kubeconfig/);
    expect(() => connectCluster({ kubeconfig: file({ ...base, 'current-context': undefined }) })).toThrow(/no current-context is set/);
  });

  it('marks an exec or auth-provider user as a credential plugin (client-node runs those)', () => {
    const path = file({ ...base, users: [{ name: 'admin', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } } }] });
    expect(readKubeconfig({ kubeconfig: path }).user.plugin).toBe(true);
  });

  it("falls back to the pod's ServiceAccount without a kubeconfig only inside a pod", () => {
    const env = { HOME: mkdtempSync(join(dir, 'home-')) };
    expect(() => readKubeconfig({ env })).toThrow(/no kubeconfig found/);
  });
});
