// Outbound network policy: which addresses requests to user-chosen URLs (job webhooks) may reach, and
// the fetch that enforces it on the address actually connected to.
export type { AddressClass } from './address-class.ts';
export { classifyAddress } from './address-class.ts';
export type { Connector, OutboundFetchOptions, Resolver } from './outbound-fetch.ts';
export { createOutboundFetch, OutboundTargetRefused } from './outbound-fetch.ts';
export type { OutboundPolicy } from './outbound-policy.ts';
export { createOutboundPolicy, isAllowEntry } from './outbound-policy.ts';
