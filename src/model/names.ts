/** Names of objects that several renderers refer to, so references cannot drift apart. */

export const configMapName = (app: { name: string }) => `${app.name}-env`;
/** Holds the values of `secrets`, created by the operator (kubectl), never by render. */
export const secretName = (app: { name: string }) => `${app.name}-secrets`;
/**
 * Values set with `berth config set`, kept beside the config file's `env` (and winning over it).
 * Not labelled managed-by, so no prune can select it.
 */
export const runtimeEnvName = (app: { name: string }) => `berth.env.${app.name}`;
/** Replica counts set with `berth scale`, kept like runtimeEnvName's values. */
export const runtimeScaleName = (app: { name: string }) => `berth.scale.${app.name}`;
/** Holds DATABASE_URL and PG*, written by `berth db create`. */
export const databaseSecretName = (app: { name: string }) => `${app.name}-db`;
export const tlsSecretName = (host: string) => `tls-${host.replace(/^\*\./, 'wildcard.').replaceAll('.', '-')}`.slice(0, 253);
/** CloudNativePG's PgBouncer Pooler in front of the shared server. */
export const cnpgPoolerName = (cluster: string) => `${cluster}-pooler`;
/** CloudNativePG's services are `<cluster>-rw`, `-ro`, `-r`. */
export const cnpgServiceName = (cluster: string, kind: 'rw' | 'ro' | 'r') => `${cluster}-${kind}`;
