import { type ChildHandle, spawnNode, waitForLine } from './processes.ts';
import { waitForHttpOk } from './wait-http.ts';

/** The `{"url": ...}` line the bench's own servers (fake upstream, forwarders, relay) print once listening. */
export function urlFromLine(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { url?: unknown };
    return typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one of the bench's bare baselines (`bare-forwarder.ts`, `chat-forwarder.ts`, `sse-relay.ts`) on a
 * free port in front of `upstreamUrl`, and waits until it answers `/healthz`.
 */
export async function startBaseline(options: {
  readonly name: string;
  readonly script: string;
  readonly upstreamUrl: string;
  readonly model: string;
  /** Node flags before the script (a CPU profiler, an inspector). */
  readonly nodeFlags?: readonly string[];
}): Promise<{ handle: ChildHandle; url: string }> {
  const handle = spawnNode({
    name: options.name,
    nodeArgs: [
      ...(options.nodeFlags ?? []),
      options.script,
      '--port',
      '0',
      '--upstream',
      options.upstreamUrl,
      '--model',
      options.model,
    ],
    stdout: 'pipe',
  });
  const url = await waitForLine(handle, urlFromLine);
  await waitForHttpOk(`${url}/healthz`, handle);
  return { handle, url };
}
