// The web console's server side: its built files at /console, and `GET /v1/me`, which the console signs in with.
// The console itself (Vite + Preact) lives in console/ at the repository root; docs/console.md describes it.
export { consoleErrors } from './console.errors.ts';
export { DEFAULT_CONSOLE_DIST, registerConsoleStatic } from './console-static.ts';
export { identitySchema, registerMeRoute } from './me.routes.ts';
