// The environment's S3 server: reused while healthy, else started afresh (hooks for index.ts).
import { say, step } from './run.ts';
import { type S3Info, s3Healthy, startS3Server, stopS3Server } from './s3.ts';

export async function s3Up(previous: S3Info | undefined): Promise<S3Info> {
  if (previous && (await s3Healthy(previous))) {
    say(`s3 (versitygw): already running on port ${previous.port}`);
    return previous;
  }
  await stopS3Server(previous);
  return step('s3 (versitygw): start', () => startS3Server());
}

export async function s3Down(info: S3Info | undefined): Promise<void> {
  if (info) await step('s3: stop', () => stopS3Server(info));
}
