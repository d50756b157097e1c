import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentSchema } from '../../src/config/environment.schema.ts';
import { runKeel } from '../support/keel-process.ts';
import { skipUnless } from '../support/tiers.ts';

/**
 * The packaging, checked without a Docker engine (none runs on these machines): the Dockerfile's
 * structure (multi-stage, production dependencies only, non-root, a health check on /readyz), the
 * .dockerignore, and compose.yaml: its services, their order of start, and that every variable it sets
 * is one Keel declares. `docker compose config` validates the file too where the compose plugin exists.
 * The commands compose runs are the ones the scale-out end-to-end test runs as real processes.
 */

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFile(path.join(root, file), 'utf8');

interface DockerInstruction {
  readonly keyword: string;
  readonly argument: string;
}

/** Instructions with continuation lines joined, comments dropped. */
function instructions(dockerfile: string): DockerInstruction[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), argument: rest.join(' ') };
    });
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: unknown };
  ports?: string[];
  restart?: string;
}

describe('Dockerfile', () => {
  it('builds in stages, installs production dependencies only, runs as a non-root user with a health check', async () => {
    const steps = instructions(await read('Dockerfile'));
    const stages = steps.filter((step) => step.keyword === 'FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const install = steps.find((step) => step.keyword === 'RUN' && step.argument.includes('npm ci'));
    expect(install?.argument).toContain('--omit=dev');
    // The final stage: everything after the last FROM.
    const lastFrom = steps.lastIndexOf(stages.at(-1) as DockerInstruction);
    const final = steps.slice(lastFrom);
    const user = final.filter((step) => step.keyword === 'USER').at(-1);
    expect(user, 'the final stage sets USER').toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user?.argument);
    // Nothing runs after USER as root, and nothing installs dev dependencies in the final stage.
    expect(final.some((step) => step.keyword === 'RUN' && /npm (ci|install)/.test(step.argument))).toBe(
      false,
    );
    const healthcheck = final.find((step) => step.keyword === 'HEALTHCHECK');
    expect(healthcheck?.argument).toMatch(/\/(readyz|healthz)/);
    expect(final.find((step) => step.keyword === 'ENTRYPOINT')?.argument).toContain('bin/keel.js');
    expect(final.some((step) => step.keyword === 'COPY' && /--from=/.test(step.argument))).toBe(true);
    // Copies named paths, never the whole context.
    expect(final.some((step) => step.keyword === 'COPY' && /\s\.\s+\.?\/?$/.test(` ${step.argument}`))).toBe(
      false,
    );
    for (const step of final.filter(
      (entry) => entry.keyword === 'COPY' && !entry.argument.includes('--from'),
    )) {
      const sources = step.argument
        .split(/\s+/)
        .filter((part) => !part.startsWith('--'))
        .slice(0, -1);
      for (const source of sources)
        expect(['package.json', 'package-lock.json', 'bin', 'src']).toContain(source);
    }
  });

  it('keeps secrets, local state and dependencies out of the build context', async () => {
    const ignored = (await read('.dockerignore')).split('\n').map((line) => line.trim());
    for (const entry of ['.git', '.env', 'node_modules', '.keel', 'test']) expect(ignored).toContain(entry);
  });
});

describe('compose.yaml', () => {
  const composeFile = path.join(root, 'compose.yaml');
  const environment = { KEEL_ADMIN_KEY: 'a-compose-admin-key-of-24-chars', POSTGRES_PASSWORD: 'pw' };

  async function services(): Promise<Record<string, ComposeService>> {
    return (
      parse(await read('compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> }
    ).services;
  }

  it('runs PostgreSQL with pgvector, Redis, a migrate-once step, API replicas and a worker', async () => {
    const all = await services();
    expect(all.postgres?.image).toMatch(/^pgvector\/pgvector:/);
    expect(all.redis?.image).toMatch(/^redis:/);
    expect(all.migrate?.command).toEqual(['migrate']);
    expect(all.migrate?.restart).toBe('no');
    expect(all.api?.command).toEqual(['serve']);
    expect(all.api?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(all.worker?.command).toEqual(['worker']);
    expect(all.worker?.healthcheck?.disable).toBe(true);
    for (const name of ['api', 'worker']) {
      expect(all[name]?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
      expect(all[name]?.depends_on?.redis?.condition).toBe('service_healthy');
      expect(all[name]?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(all[name]?.environment?.REDIS_URL).toBe('redis://redis:6379');
    }
    expect(all.migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    // Jobs run on the worker service only.
    expect(all.api?.environment?.KEEL_API_WORKERS).toBe('off');
    // API ports are published on loopback only: a reverse proxy fronts them.
    for (const port of all.api?.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('sets only variables Keel declares', async () => {
    const declared = new Set(Object.keys(environmentSchema.shape));
    for (const name of ['migrate', 'api', 'worker']) {
      const variables = Object.keys((await services())[name]?.environment ?? {});
      expect(variables.length).toBeGreaterThan(0);
      expect(
        variables.filter((variable) => !declared.has(variable)),
        name,
      ).toEqual([]);
    }
  });

  it('starts commands the CLI has', async () => {
    const all = await services();
    const commands = ['migrate', 'api', 'worker'].map((name) => all[name]?.command?.[0]);
    expect(commands).toEqual(['migrate', 'serve', 'worker']);
    // One `keel --help` instead of a process per command: it lists the same table of commands the CLI
    // dispatches on (an unknown one exits 2, cli.e2e.test.ts).
    const help = await runKeel(['--help']);
    expect(help.code).toBe(0);
    const listed = help.stdout
      .split('\nCommands:\n')[1]
      ?.split('\n\n')[0]
      ?.split('\n')
      .map((line) => line.trim().split(/\s+/)[0]);
    for (const command of commands) expect(listed, command).toContain(command);
  });

  const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  it(
    'is valid for `docker compose config`',
    skipUnless(compose.status === 0, 'the docker compose plugin is not installed'),
    () => {
      const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], {
        encoding: 'utf8',
        env: { ...process.env, ...environment },
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
