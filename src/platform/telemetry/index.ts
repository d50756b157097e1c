// Telemetry: OpenTelemetry traces (HTTP server spans, GenAI model-call spans, OTLP export by config) and
// Prometheus metrics at /metrics. Spans and metrics are per app; nothing here reads request bodies.
export type { KeelCallMetadata } from './call-metadata.ts';
export { readCallMetadata } from './call-metadata.ts';
export { installHttpTelemetry } from './http-telemetry.ts';
export type { LinkedSpanOptions } from './job-spans.ts';
export { currentTraceparent, runLinkedSpan } from './job-spans.ts';
export { registerMetricsRoute } from './metrics.routes.ts';
export type { CircuitState } from './metrics.ts';
export { KeelMetrics } from './metrics.ts';
export type { ModelTelemetryOptions } from './model-call-telemetry.middleware.ts';
export { createModelTelemetryMiddleware } from './model-call-telemetry.middleware.ts';
export type { ModelCostFunction, ModelIdentity, ModelPrice, TokenUsage } from './model-cost.ts';
export { costFromPriceTable, noCost, providerName } from './model-cost.ts';
export type { Telemetry, TelemetryOptions } from './telemetry.ts';
export { createTelemetry } from './telemetry.ts';
export { formatTraceparent, parseTraceparent } from './traceparent.ts';
export type { OtlpSettings, Tracing, TracingOptions } from './tracing.ts';
export { activeTraceId, createTracing, otlpExporter } from './tracing.ts';
