/**
 * Slows down guessing: after a few wrong tokens from one address, every further attempt is
 * refused (429) until a delay has passed, and the delay doubles with each wrong token (1 s, 2 s,
 * 4 s … up to 5 minutes). A right token clears the address. Attempts inside the delay are not
 * even checked, so guessing costs time whether or not the guess is right.
 */
const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60_000;
/** Addresses remembered at most; the oldest are forgotten first (bounded memory under a flood). */
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  until: number;
}

export class LoginLimit {
  private readonly failures = new Map<string, Failures>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds this address must still wait before its next attempt is looked at (0: go ahead). */
  wait(address: string): number {
    const entry = this.failures.get(address);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  failed(address: string): void {
    const count = (this.failures.get(address)?.count ?? 0) + 1;
    const delay = count < FREE_FAILURES ? 0 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES));
    this.failures.delete(address);
    this.failures.set(address, { count, until: this.now() + delay });
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}
