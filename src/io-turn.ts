/**
 * One turn of the event loop's I/O phase. Loading and checking a config (zod's module, then the
 * validation, then the renderer's modules) holds the main thread for a tenth of a second or more
 * without one, so answers to requests started before it (cluster/early.ts) wait unread, and the
 * requests that follow them are not sent. A command calls this between those steps. A timer, not
 * setImmediate: an immediate queued from an I/O callback (a module file read) runs before the
 * next poll, so it would take nothing in.
 */
export function ioTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits for `promise` to settle, however it ends, but no longer than `ms`. */
export async function settledWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise?.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
