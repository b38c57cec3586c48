/**
 * App passwords and how they reach the server. Passwords are random (32 bytes, base64url: no
 * characters that need escaping in a URL or a shell). The server only ever sees a SCRAM-SHA-256
 * verifier computed here, as psql's \password does, so the plaintext never lands in the server's
 * statement log (log_statement = ddl would record `ALTER ROLE … PASSWORD '…'` verbatim).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** Postgres' own default iteration count (scram_iterations). */
const ITERATIONS = 4096;

/** The `SCRAM-SHA-256$iter:salt$StoredKey:ServerKey` string Postgres stores in pg_authid. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  // SASLprep is the identity for the ASCII passwords berth generates; a user-chosen password with
  // non-ASCII characters would need it, and berth never hashes one.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
