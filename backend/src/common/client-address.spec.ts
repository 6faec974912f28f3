import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy } from './client-address.js';

describe('clientAddress behind proxies', () => {
  it('takes the peer when no proxy is trusted, whatever the client claims', () => {
    expect(clientAddress('203.0.113.9', '10.1.1.1', false)).toBe('203.0.113.9');
  });

  it('with one trusted hop, takes the entry the proxy appended, not the ones the client sent', () => {
    const trust = parseTrustProxy('on');
    // The client forged "1.2.3.4"; the proxy (the peer, 127.0.0.1) appended the real address.
    expect(clientAddress('127.0.0.1', '1.2.3.4, 198.51.100.7', trust)).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', undefined, trust)).toBe('127.0.0.1');
  });

  it('with two hops or listed proxy addresses, walks back only through trusted proxies', () => {
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', parseTrustProxy('2'))).toBe('198.51.100.7');
    const listed = parseTrustProxy('loopback, 10.0.0.0/8');
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', listed)).toBe('198.51.100.7');
    // A peer that is not a listed proxy is the client itself.
    expect(clientAddress('203.0.113.9', '6.6.6.6', listed)).toBe('203.0.113.9');
  });

  it('refuses a value it cannot read', () => {
    expect(() => parseTrustProxy('not-an-address')).toThrow();
    expect(parseTrustProxy('off')).toBe(false);
  });
});
