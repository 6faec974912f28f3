import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '@arena/contracts';

/** A new host key: only ever in the host's hands; the session keeps its hash. */
export function newHostKey(): string {
  return randomBytes(24).toString('base64url');
}

export function hashHostKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether `key` is the key whose hash is `hash`, in constant time. */
export function hostKeyMatches(key: string, hash: string): boolean {
  return timingSafeEqual(Buffer.from(hashHostKey(key), 'hex'), Buffer.from(hash, 'hex'));
}

export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[randomInt(JOIN_CODE_ALPHABET.length)];
  return code;
}

/**
 * A client's network address as one session keeps it: an HMAC keyed with the session's host-key hash, so
 * two participants of the same session can be seen to share a network, but the address is not stored and
 * the same address does not link across sessions.
 */
export function networkHash(hostKeyHash: string, address: string): string {
  return createHmac('sha256', hostKeyHash).update(address).digest('hex');
}
