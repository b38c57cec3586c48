/**
 * Labels on an app's database Secret. Deliberately without app.kubernetes.io/managed-by: deploy
 * prunes managed objects it no longer renders, and it never renders credentials, so a prune
 * must not be able to select them.
 */
import { LABEL } from '../model/labels.ts';
import type { DatabaseIdentity } from '../model/database-names.ts';

export const SECRET_KIND_LABEL = 'berth.dev/secret';

export function secretLabels(identity: DatabaseIdentity): Record<string, string> {
  return { [LABEL.app]: identity.app, [LABEL.environment]: identity.environment, [SECRET_KIND_LABEL]: 'database' };
}
