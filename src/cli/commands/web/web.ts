import { UsageError } from '../../../errors.ts';
import { defineCommand } from '../../command.ts';
import { ENV_OPTION, loadProject, pickEnvironment } from '../../project.ts';

export const DEFAULT_TOKENS_DIR = '/var/run/berth-web/tokens';

export default defineCommand({
  name: 'web',
  summary: 'the admin page: apps, releases, logs and backups in a browser (local, or --in-cluster)',
  description:
    "Locally it listens on 127.0.0.1 (port 8080 or the next free one), uses your kubeconfig and prints a URL with a one-time login token, as Jupyter does. With --in-cluster (how berth's Deployment runs it) it listens on 0.0.0.0:8080, uses the pod's ServiceAccount and reads login tokens from --tokens-dir: one file per user holding `viewer:<token>` or `operator:<token>`. Every action from the page is recorded as web:<user>.",
  options: {
    env: { ...ENV_OPTION, description: 'only this environment (default: every environment in the config)' },
    port: { type: 'string', short: 'p', value: 'PORT', description: 'port to listen on (default 8080; locally the next free one if taken)' },
    'in-cluster': { type: 'boolean', description: 'run as the in-cluster server: 0.0.0.0, the ServiceAccount, tokens from --tokens-dir' },
    'tokens-dir': { type: 'string', value: 'DIR', description: `where the in-cluster login tokens are mounted (default ${DEFAULT_TOKENS_DIR})` },
    'store-dir': {
      type: 'string',
      value: 'DIR',
      description: "where a PVC or NFS backup store is mounted (in the cluster: the page's own claim of the NFS share)",
    },
  },
  examples: ['berth web', 'berth web --env staging', 'berth web --port 9000 --context prod', 'berth web --in-cluster'],
  async run(context) {
    const { out, options } = context;
    const inCluster = options['in-cluster'] === true;
    const port = options.port === undefined ? 8080 : Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${options.port}"`);
    if (!inCluster && options['tokens-dir'] !== undefined) throw new UsageError('--tokens-dir is for --in-cluster; locally berth web makes a one-time token');
    const loaded = await loadProject(context);
    const only = options.env === undefined ? undefined : [pickEnvironment(loaded, options.env)];
    const [{ startWebServer }, tokens] = await Promise.all([import('../../../web/server.ts'), import('../../../web/tokens.ts')]);
    let env = context.env;
    if (inCluster) {
      // The pod's ServiceAccount, whatever the config names as the operator's kube context.
      loaded.config = { ...loaded.config, cluster: { ...loaded.config.cluster, context: undefined } };
      env = { ...env, KUBECONFIG: undefined };
    }
    const token = tokens.newToken();
    const book = inCluster
      ? tokens.tokenDirectory(options['tokens-dir'] ?? DEFAULT_TOKENS_DIR, (m) => out.warn(m))
      : tokens.oneTimeToken(token, { name: (await import('node:os')).userInfo().username, role: 'operator' });
    const server = await startWebServer({
      loaded,
      env,
      only,
      storeDir: typeof options['store-dir'] === 'string' ? options['store-dir'] : undefined,
      warn: (m) => out.warn(m),
      tokens: book,
      host: inCluster ? '0.0.0.0' : '127.0.0.1',
      port,
      nextFreePort: !inCluster && options.port === undefined,
      transport: { trustProxy: inCluster },
      log: (record) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`),
    });
    if (inCluster) out.print(JSON.stringify({ time: new Date().toISOString(), msg: 'berth web listening', port: server.port }));
    else {
      out.print(`berth web: the admin page for ${(only ?? Object.keys(loaded.config.environments)).join(', ')} (Ctrl-C to stop)`);
      out.print(`Open ${server.url}/login?token=${token}`);
      out.info('The token works once; it becomes a session cookie in the browser that opens it.');
    }
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) return resolve();
      context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
  },
});
