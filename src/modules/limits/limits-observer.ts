export type LimitKind = 'requests' | 'tokens' | 'streams' | 'budget' | 'auth-failures';

/** What the limits module reports as it works; telemetry turns it into metrics. */
export interface LimitsObserver {
  rejected(limit: LimitKind): void;
  streamOpened(): void;
  streamClosed(): void;
}

export const silentObserver: LimitsObserver = {
  rejected: () => {},
  streamOpened: () => {},
  streamClosed: () => {},
};
