/** The `platform` section against the rest of the config: the add-ons must be the ones the apps use. */
import { DEFAULTS } from './defaults.ts';
import type { RuleResult } from './rules.ts';
import type { ParsedConfig } from './schema.ts';

export function checkPlatform(config: ParsedConfig, result: RuleResult): void {
  const platform = config.platform;
  if (!platform) return;
  const cluster = config.cluster ?? {};
  const ingressClass = cluster.ingressClass ?? DEFAULTS.cluster.ingressClass;
  if (platform.issuer && (cluster.certIssuer === false || cluster.certResolver)) {
    result.errors.push({
      path: 'platform.issuer',
      message: `no app uses this ClusterIssuer: ${cluster.certResolver ? 'cluster.certResolver gives certificates through Traefik' : 'cluster.certIssuer is false'}; set cluster.certIssuer to its name (e.g. "letsencrypt-prod") or remove platform.issuer`,
    });
  }
  if (platform.issuer && !platform.certManager) {
    result.warnings.push({
      path: 'platform.issuer',
      message: 'a ClusterIssuer needs cert-manager: add platform.certManager: true unless it is installed otherwise',
    });
  }
  if (platform.traefik && ingressClass !== 'traefik') {
    result.errors.push({ path: 'platform.traefik', message: 'configures K3s’ Traefik, but cluster.ingressClass is nginx; remove it or use Traefik' });
  }
  const acme = platform.traefik?.acme;
  if (acme) {
    const resolver = acme.resolver ?? cluster.certResolver ?? DEFAULTS.platform.traefik.resolver;
    if (cluster.certResolver !== resolver) {
      result.errors.push({
        path: 'platform.traefik.acme',
        message: cluster.certResolver
          ? `defines resolver "${resolver}" but cluster.certResolver is "${cluster.certResolver}"; make them the same`
          : `defines Traefik's resolver "${resolver}", which no app uses: set cluster.certResolver: "${resolver}" (and certIssuer: false)`,
      });
    }
  }
  if (platform.traefik?.hostNetwork && !cluster.ingressHostNetwork && cluster.networkPolicy !== false) {
    result.errors.push({
      path: 'platform.traefik.hostNetwork',
      message:
        'Traefik on the host network reaches apps from node addresses, which their NetworkPolicies refuse: set cluster.ingressHostNetwork: true and list the nodes in cluster.networkPolicy.ingressFrom',
    });
  }
}
