import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The console, built to console/dist and served by Keel at /console (src/modules/console). Every asset is
// bundled and hashed: nothing is fetched from a CDN, and no inline script is needed (Keel's CSP is 'self').
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/openapi.json': 'http://127.0.0.1:8080' } },
});
