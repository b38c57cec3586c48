/** The shared end of `config set|unset` and `secret set|unset`: release the change, say how it went. */
import type { LoadedConfig } from '../config/load.ts';
import type { RuntimeChange } from '../deploy/runtime-values.ts';
import { ExitCode } from '../errors.ts';
import type { CommandContext } from './command.ts';
import { webhookReader } from './deploy-hooks.ts';
import { parseDuration } from './duration.ts';

export const CHANGE_OPTIONS = {
  timeout: { type: 'string', value: 'DURATION', description: 'deadline for the rollout (default 5m)' },
  'lock-wait': { type: 'string', value: 'DURATION', description: 'wait this long for a deploy in progress (default: fail at once)' },
} as const;

export async function releaseAndReport(
  context: CommandContext<typeof CHANGE_OPTIONS>,
  loaded: LoadedConfig,
  environment: string,
  change: RuntimeChange,
  what: string,
): Promise<number | undefined> {
  const { out } = context;
  const [{ releaseChange }, { DeployReporter }, { describeOutcome }] = await Promise.all([
    import('../ops/runtime-config.ts'),
    import('./deploy-output.ts'),
    import('../deploy/run.ts'),
  ]);
  const reporter = new DeployReporter(out, out.stderr);
  const result = await releaseChange({
    config: loaded.config,
    environment,
    kubeconfig: context.env.KUBECONFIG,
    change,
    timeoutMs: parseDuration(context.options.timeout, 'timeout', 5 * 60_000),
    lockWaitMs: parseDuration(context.options['lock-wait'], 'lock-wait', 0),
    message: what,
    command: `berth ${what} --env ${environment}`,
    webhook: webhookReader(context, loaded),
    signal: context.signal,
    emit: reporter.emit,
  });
  reporter.finish();
  if (!result.released) {
    out.resultLine({ ok: true, app: change.app, environment, released: false });
    out.print(`Saved for ${change.app} in ${environment}; it has no release yet, so the first \`berth deploy ${change.app} --env ${environment}\` uses it.`);
    return undefined;
  }
  const { outcome } = result;
  const ok = outcome.outcome === 'deployed' || outcome.outcome === 'unchanged';
  out.resultLine({ ok, app: change.app, environment, released: true, outcome });
  const mark = outcome.outcome === 'deployed' ? out.paint('green', '✓') : outcome.outcome === 'unchanged' ? out.paint('gray', '·') : out.paint('red', '✗');
  out.print(`${mark} ${describeOutcome(outcome)}`);
  if (outcome.outcome === 'unchanged') out.print('The running pods already had these values; they are saved.');
  if (outcome.outcome === 'rolled-back') out.print(`Nothing was saved: ${change.app} runs r${outcome.revision}'s values again.`);
  if (result.interrupted) return ExitCode.interrupted;
  if (outcome.outcome === 'rolled-back') return ExitCode.deployFailed;
  return ok ? undefined : ExitCode.failure;
}
