// Health: `/healthz` (the process is alive) and `/readyz` (its dependencies answer), fed by checks that
// the composition root gathers from each adapter.
export type { ReadinessCheck } from './health.routes.ts';
export { registerHealthRoutes } from './health.routes.ts';
