import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import type { HttpServer } from '../../platform/http/index.ts';
import { consoleErrors } from './console.errors.ts';

/** Where `npm run build:console` writes the console (Vite's `outDir`). */
export const DEFAULT_CONSOLE_DIST = path.resolve(import.meta.dirname, '../../../console/dist');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names everything under assets/ by content hash, so a file there never changes: cache it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html (and unhashed files) must be revalidated, so a rebuild is picked up on the next load. */
const REVALIDATE = 'no-cache';

/**
 * Serves the built console at `/console`: files from `dist`, `index.html` for every extension-less path (the
 * console routes on the client: `/console/jobs/job_1` is a page, not a file), and a problem+json telling
 * to build it when `dist` is missing. The routes are public and hidden from the OpenAPI document: they are
 * for browsers; every API call the page makes carries the key the user signed in with.
 */
export function registerConsoleStatic(
  app: HttpServer,
  options: { readonly distDirectory?: string } = {},
): void {
  const root = path.resolve(options.distDirectory ?? DEFAULT_CONSOLE_DIST);
  const route = { config: { scope: 'public' }, schema: { hide: true } } as const;
  const serve = (request: FastifyRequest, reply: FastifyReply) => serveFile(root, request, reply);
  app.get('/console', route, serve);
  app.get('/console/*', route, serve);
}

async function serveFile(root: string, request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
  const index = path.join(root, 'index.html');
  if (!(await isFile(index))) {
    throw new AppError(consoleErrors.CONSOLE_NOT_BUILT, {
      detail: `${root} has no index.html: run \`npm run build:console\` (needs the dev dependencies), then reload.`,
    });
  }
  const relative = decodePath(request.url);
  const requested = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  const inside = requested === root || requested.startsWith(`${root}${path.sep}`);
  const extension = path.extname(requested);
  let file = index;
  if (inside && extension !== '' && requested !== root) {
    if (!(await isFile(requested))) {
      throw new AppError(consoleErrors.CONSOLE_FILE_NOT_FOUND, {
        detail: `No console file /console/${relative}.`,
      });
    }
    file = requested;
  } else if (!inside) {
    throw new AppError(consoleErrors.CONSOLE_FILE_NOT_FOUND, {
      detail: 'The path leaves the console directory.',
    });
  }
  const immutable = file.startsWith(path.join(root, 'assets') + path.sep);
  reply
    .type(CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream')
    .header('cache-control', immutable ? IMMUTABLE : REVALIDATE);
  return readFile(file);
}

/** The path below `/console/`, percent-decoded; an undecodable one is treated as a missing file. */
function decodePath(url: string): string {
  const pathname = url.split('?')[0] ?? '';
  const below = pathname.replace(/^\/console\/?/, '');
  try {
    return decodeURIComponent(below);
  } catch {
    throw new AppError(consoleErrors.CONSOLE_FILE_NOT_FOUND, {
      detail: 'The path is not valid percent-encoding.',
    });
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
