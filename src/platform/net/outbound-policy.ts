import { BlockList, isIP } from 'node:net';
import { type AddressClass, bareAddress, classifyAddress } from './address-class.ts';

/**
 * Which addresses outbound requests whose URL a user chose (job webhooks) may reach: public addresses,
 * and non-public ones only when the operator allowed them (`KEEL_OUTBOUND_ALLOW`: CIDRs, addresses, host
 * names, `*.suffix` wildcards). Decided on the address actually connected to, after DNS resolution.
 */
export interface OutboundPolicy {
  /** Undefined when `address` (reached for `host`) may be connected to; otherwise why not. */
  refusal(host: string, address: string): AddressClass | undefined;
}

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Whether one allow-list entry is well-formed: an address, a CIDR, a host name or `*.suffix`. */
export function isAllowEntry(entry: string): boolean {
  return parseCidr(entry) !== undefined || HOST_NAME.test(entry);
}

function parseCidr(entry: string): { network: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [network = '', prefixText] = entry.split('/');
  const bare = bareAddress(network);
  const version = isIP(bare);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText ?? '').trim() !== (prefixText ?? '')
  ) {
    return undefined;
  }
  return { network: bare, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** The policy for an allow-list; throws on an entry that is not an address, CIDR or host name. */
export function createOutboundPolicy(allow: readonly string[] = []): OutboundPolicy {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of allow) {
    const entry = raw.trim();
    if (entry === '') continue;
    const cidr = parseCidr(entry);
    if (cidr) addresses.addSubnet(cidr.network, cidr.prefix, cidr.type);
    else if (!HOST_NAME.test(entry)) throw new Error(`not an address, CIDR or host name: ${entry}`);
    else if (entry.startsWith('*.')) suffixes.push(normaliseHost(entry.slice(1)));
    else hosts.add(normaliseHost(entry));
  }
  const hostAllowed = (host: string) => {
    const name = normaliseHost(host);
    return hosts.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
  };
  return {
    refusal(host, address) {
      const kind = classifyAddress(address);
      if (kind === 'public') return undefined;
      if (kind === 'invalid') return kind;
      const bare = bareAddress(address);
      if (addresses.check(bare, isIP(bare) === 4 ? 'ipv4' : 'ipv6')) return undefined;
      return hostAllowed(host) ? undefined : kind;
    },
  };
}
