/**
 * Deploy notifications to a Slack-compatible incoming webhook. A notifier's failure is reported
 * as a warning and never changes the outcome it reports (coolify #9088).
 */

export interface Notification {
  environment: string;
  text: string;
  ok: boolean;
}

export async function notifySlack(webhook: string, notification: Notification): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const response = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `${notification.ok ? ':white_check_mark:' : ':rotating_light:'} [${notification.environment}] ${notification.text}` }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, error: `the webhook answered ${response.status}` };
  } catch (error) {
    // Never echo the URL: a webhook URL is a credential.
    return { ok: false, error: (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name };
  }
}
