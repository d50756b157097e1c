/**
 * Where a subject falls in a capability's traffic, 0..9999: FNV-1a of `<capability>:<subject>`. Stable per
 * subject (a key, or a caller's subject id), so one user sees one variant; independent across capabilities.
 */
export function trafficBucket(capability: string, subject: string): number {
  let hash = 0x811c9dc5;
  const text = `${capability}:${subject}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 10_000;
}

/** Whether a subject in `bucket` gets a canary serving `percent` (0..100, two decimals) of traffic. */
export function inCanary(bucket: number, percent: number): boolean {
  return bucket < Math.round(percent * 100);
}
