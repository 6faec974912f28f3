import proxyaddr from 'proxy-addr';

/**
 * Which proxies the arena sits behind: none (the peer is the client), the nearest `hops` proxies, or the
 * proxies at the listed addresses (IPs, CIDR ranges, or proxy-addr's `loopback`, `linklocal`, `uniquelocal`).
 * A client can put anything in its own `X-Forwarded-For`; only entries a trusted proxy appended count.
 */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

/** `ARENA_TRUST_PROXY`: `off`, `on` (one hop), a number of hops, or a comma-separated list of addresses. */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === 'off' || text === '0') return false;
  if (text === 'on') return { hops: 1 };
  if (/^\d+$/.test(text)) return { hops: Number(text) };
  const addresses = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  proxyaddr.compile(addresses); // throws on an address it cannot read
  return { addresses };
}

/** The client's address: the peer, or the nearest `X-Forwarded-For` entry not added by a trusted proxy. */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trust: TrustProxy): string {
  if (!trust) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const request = { headers: header ? { 'x-forwarded-for': header } : {}, connection: { remoteAddress: peer } };
  const trusted =
    'hops' in trust ? (_address: string, i: number) => i < trust.hops : proxyaddr.compile(trust.addresses);
  // proxy-addr reads an IncomingMessage; only its headers and peer address are used.
  return proxyaddr(request as unknown as Parameters<typeof proxyaddr>[0], trusted);
}
