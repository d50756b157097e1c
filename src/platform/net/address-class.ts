import { BlockList, isIP } from 'node:net';

/** Why an address is not on the public internet; `public` when it is. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade-nat'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'documentation'
  | 'reserved'
  | 'translated'
  | 'invalid';

type Range = readonly [network: string, prefix: number, type: 'ipv4' | 'ipv6', kind: AddressClass];

// IANA special-purpose registries (RFC 6890 and successors). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
// match the IPv4 ranges, so `[::ffff:127.0.0.1]` is loopback too.
const RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade-nat'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  // IPv4-compatible (deprecated), NAT64 and 6to4 embed an IPv4 address that may be internal.
  ['::', 96, 'ipv6', 'translated'],
  ['64:ff9b::', 96, 'ipv6', 'translated'],
  ['64:ff9b:1::', 48, 'ipv6', 'translated'],
  ['2002::', 16, 'ipv6', 'translated'],
  ['100::', 64, 'ipv6', 'reserved'],
  ['2001::', 23, 'ipv6', 'reserved'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'unique-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

// One BlockList per class, checked most specific first (the order of RANGES keeps ::1 before ::/96).
const LISTS: ReadonlyArray<readonly [AddressClass, BlockList]> = RANGES.map(
  ([network, prefix, type, kind]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return [kind, list] as const;
  },
);

/** Strips the brackets of an IPv6 URL host and an IPv6 zone (`fe80::1%eth0`). */
export function bareAddress(host: string): string {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = unbracketed.indexOf('%');
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

/** The class of an IP address (IPv4 or IPv6 text); anything else is `invalid`. */
export function classifyAddress(address: string): AddressClass {
  const bare = bareAddress(address);
  const version = isIP(bare);
  if (version === 0) return 'invalid';
  const type = version === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of LISTS) if (list.check(bare, type)) return kind;
  return 'public';
}
