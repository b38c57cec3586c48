/**
 * Login tokens of the admin page in the cluster: the Secret `berth-web-tokens` in the page's
 * namespace, one key per user, value `<role>:<token>`, mounted into the server's pod. berth never
 * renders this Secret (values never live in manifests); `berth web token` writes it here with
 * server-side apply, and a new token is shown once, to the admin who made it.
 */
import { randomBytes } from 'node:crypto';
import { exists } from '../cluster/access.ts';
import type { Cluster } from '../cluster/connect.ts';
import { applySecret, readSecret } from '../cluster/secrets.ts';
import { BerthError, ExitCode, UsageError } from '../errors.ts';
import { platformLabels } from '../model/labels.ts';
import { WEB, WEB_ROLES, type WebRole } from '../model/web-names.ts';

/** A Secret key (the file name in the pod) that reads as a user name. */
const USER = /^[A-Za-z0-9][-._A-Za-z0-9]{0,62}$/;

export interface WebUser {
  user: string;
  role: WebRole | 'unknown';
}

export function checkUser(user: string): void {
  if (!USER.test(user)) {
    throw new UsageError(`"${user}" cannot be a user name`, {
      hint: 'Use letters, digits, ".", "_" and "-" (at most 63), starting with a letter or digit, e.g. "alice".',
    });
  }
}

export function checkRole(role: string | undefined): WebRole {
  if (!role || !(WEB_ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be ${WEB_ROLES.join(' or ')}${role ? `, not "${role}"` : ''}`, {
      hint: 'viewer sees everything and changes nothing; operator may also roll back, restart and create, verify, restore and delete backups.',
    });
  }
  return role as WebRole;
}

/** 32 random bytes, URL-safe: no `:` (the role separator), nothing to escape in a form. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function roleOf(value: string): WebUser['role'] {
  const role = value.split(':', 1)[0]!;
  return (WEB_ROLES as readonly string[]).includes(role) ? (role as WebRole) : 'unknown';
}

async function requireNamespace(cluster: Cluster, namespace: string): Promise<void> {
  if (!(await exists(cluster, `/api/v1/namespaces/${namespace}`))) {
    throw new BerthError(`The admin page's namespace ${namespace} does not exist`, {
      exitCode: ExitCode.failure,
      hint: 'Add platform.web to the config and run `berth platform apply` first.',
    });
  }
}

/**
 * A new token for the user (replacing any earlier one: that one stops working once the pod sees
 * the Secret change, within about a minute). The other users' keys are written back unchanged.
 */
export async function addWebToken(cluster: Cluster, namespace: string, user: string, role: WebRole): Promise<{ token: string; replaced: boolean }> {
  checkUser(user);
  await requireNamespace(cluster, namespace);
  const current = (await readSecret(cluster, namespace, WEB.tokensSecret)) ?? {};
  const token = newToken();
  await writeTokens(cluster, namespace, { ...current, [user]: `${role}:${token}` });
  return { token, replaced: user in current };
}

/** False when the user had no token. */
export async function removeWebToken(cluster: Cluster, namespace: string, user: string): Promise<boolean> {
  checkUser(user);
  const current = await readSecret(cluster, namespace, WEB.tokensSecret);
  if (!current || !(user in current)) return false;
  const { [user]: _removed, ...rest } = current;
  await writeTokens(cluster, namespace, rest);
  return true;
}

/** Users and roles; never the tokens. */
export async function listWebUsers(cluster: Cluster, namespace: string): Promise<WebUser[]> {
  const current = (await readSecret(cluster, namespace, WEB.tokensSecret)) ?? {};
  return Object.entries(current)
    .map(([user, value]) => ({ user, role: roleOf(value) }))
    .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}

/**
 * The whole set, applied as berth: keys left out are removed by server-side apply (berth owns
 * them), and force takes the Secret back from a hand edit (kubectl edit) rather than failing.
 */
async function writeTokens(cluster: Cluster, namespace: string, data: Record<string, string>): Promise<void> {
  await applySecret(cluster, { namespace, name: WEB.tokensSecret, labels: platformLabels('web'), data }, { force: true });
}
