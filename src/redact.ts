/**
 * Connection strings and passwords never reach output unredacted: every message that might carry
 * one (our own, or a driver's) passes through here first.
 */

const MASK = '***';

/** postgres://user:secret@host/db → postgres://user:***@host/db; anything unparsable is masked whole. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, MASK);
    }
    return parsed.toString();
  } catch {
    return MASK;
  }
}

/** Removes every known secret and every URL's password from free text (driver error messages). */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(/\b(postgres(?:ql)?:\/\/[^:\s/@]*:)[^@\s]*@/gi, `$1${MASK}@`);
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}
