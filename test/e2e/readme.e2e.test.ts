import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * The README's walk-through, run: every command of every ```sh block, in order, against a real `keel
 * serve` with no model configured (or, where the README says so, one whose model is the fake
 * OpenAI-compatible server), checked against the expectation the README states for it.
 *
 * The convention: each ```sh block is preceded by `<!-- readme-test: [...] -->`, a JSON array with one
 * entry per command of the block (a command ends at a newline outside quotes and not after `\`):
 *   status        the HTTP status curl must get
 *   contains      text the body must contain
 *   retry_until   repeat the command (up to a minute) until the body contains this
 *   capture       { "<placeholder>": "json.path" }: later commands get the value in place of the placeholder
 *   server        "model": run against the Keel with the fake model (default: the one with no model)
 *   skip          why this command is not run (it starts a process, needs a key...)
 * A block without the comment, or with a different number of entries than commands, fails the test, so an
 * example cannot be added without saying what it answers.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const exec = promisify(execFile);

interface Expectation {
  readonly status?: number;
  readonly contains?: string;
  readonly retry_until?: string;
  readonly capture?: Record<string, string>;
  readonly server?: 'model';
  readonly skip?: string;
}

interface Example {
  readonly command: string;
  readonly expectation: Expectation;
  /** 1-based line of the block in README.md, for failure messages. */
  readonly line: number;
}

/** Splits a shell block into commands: newlines inside quotes or after `\` continue a command; comments go. */
function shellCommands(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < block.length; index += 1) {
    const character = block[index] as string;
    if (quote === undefined && character === '#' && (current === '' || /\s$/.test(current))) {
      while (index < block.length && block[index] !== '\n') index += 1;
      index -= 1;
      continue;
    }
    if (quote === undefined && character === '\\' && block[index + 1] === '\n') {
      current += ' ';
      index += 1;
      continue;
    }
    if (quote === undefined && character === '\n') {
      if (current.trim() !== '') commands.push(current.trim());
      current = '';
      continue;
    }
    if (quote === undefined && (character === "'" || character === '"')) quote = character;
    else if (quote === character && !(quote === '"' && block[index - 1] === '\\')) quote = undefined;
    current += character;
  }
  if (current.trim() !== '') commands.push(current.trim());
  return commands;
}

function examplesOf(readme: string): Example[] {
  const examples: Example[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const match of readme.matchAll(fence)) {
    if (match[1] !== 'sh' && match[1] !== 'bash') continue;
    const before = readme.slice(0, match.index);
    const line = before.split('\n').length;
    const annotation = /<!-- readme-test: (\[[^\n]*\]) -->\n$/.exec(before);
    if (!annotation?.[1])
      throw new Error(`README.md line ${line}: a shell block without a readme-test comment`);
    const expectations = JSON.parse(annotation[1]) as Expectation[];
    const commands = shellCommands(match[2] ?? '');
    if (expectations.length !== commands.length) {
      throw new Error(
        `README.md line ${line}: ${commands.length} commands but ${expectations.length} expectations`,
      );
    }
    commands.forEach((command, index) => {
      examples.push({ command, expectation: expectations[index] as Expectation, line });
    });
  }
  return examples;
}

const STATUS_MARK = '\n__readme_test_status__:';

/** Runs one curl command against `base`, with the placeholders filled; returns status and body. */
async function runCurl(command: string, base: string): Promise<{ status: number; body: string }> {
  const pointed = command.replaceAll(/(?:localhost|127\.0\.0\.1):8080/g, base.replace(/^http:\/\//, ''));
  const withStatus = pointed.replace(/^curl /, `curl --max-time 60 -w '${STATUS_MARK}%{http_code}' `);
  const stdout = await exec('bash', ['-c', withStatus], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
    (output) => output.stdout,
    (error: unknown) => `${String(error)}${STATUS_MARK}0`,
  );
  const at = stdout.lastIndexOf(STATUS_MARK);
  return { status: Number(stdout.slice(at + STATUS_MARK.length)), body: stdout.slice(0, at) };
}

function valueAt(body: string, dotted: string): string {
  let value: unknown = JSON.parse(body);
  for (const key of dotted.split('.')) value = (value as Record<string, unknown>)[key];
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`no ${dotted} in ${body}`);
  return String(value);
}

describe('README.md walk-through against keel serve', { timeout: 600_000 }, () => {
  const examples = examplesOf(README);
  let offline: KeelProcess;
  let withModel: KeelProcess;
  let fake: FakeOpenAI;
  const directories: Array<Awaited<ReturnType<typeof temporaryDirectory>>> = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI({ tokenDelayMs: 5 });
    const [first, second] = [await temporaryDirectory(), await temporaryDirectory()];
    directories.push(first, second);
    // The machine running the suite may be busy: load shedding would refuse the README's requests.
    const common = { KEEL_DATA_DIR: 'memory://', KEEL_MAX_EVENT_LOOP_DELAY_MS: '0' };
    [offline, withModel] = await Promise.all([
      // The walk-through ingests and searches with the local embedder: its WebAssembly earns the optimising
      // compiler back. The examples against the model (generate, chat, a job) embed nothing: Liftoff only.
      startKeel(common, first.path, { optimisedWebAssembly: true }),
      startKeel({ ...common, OPENAI_BASE_URL: fake.url, KEEL_MODEL: 'fake-model' }, second.path),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([offline?.stop(), withModel?.stop()]);
    await fake?.close();
    for (const directory of directories) await directory.remove();
  });

  it('has a readme-test expectation for every shell command, and runs the curl ones', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(examples.filter((example) => example.expectation.skip === undefined).length).toBeGreaterThan(20);
    for (const example of examples) {
      if (example.expectation.skip !== undefined) continue;
      expect(example.command, `README.md line ${example.line}`).toMatch(/^curl /);
      expect(example.expectation.status, `README.md line ${example.line}: ${example.command}`).toBeDefined();
    }
  });

  it('answers every example as the README says', async () => {
    const captured = new Map<string, string>();
    const failures: string[] = [];
    for (const { command, expectation, line } of examples) {
      if (expectation.skip !== undefined) continue;
      let filled = command;
      for (const [placeholder, value] of captured) filled = filled.replaceAll(placeholder, value);
      const base = expectation.server === 'model' ? withModel.url : offline.url;
      let result = await runCurl(filled, base);
      const deadline = Date.now() + 60_000;
      while (
        expectation.retry_until !== undefined &&
        !result.body.includes(expectation.retry_until) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        result = await runCurl(filled, base);
      }
      const where = `README.md line ${line}: ${filled.slice(0, 140)}`;
      if (result.status !== expectation.status) {
        failures.push(
          `${where}\n  status ${result.status}, expected ${expectation.status}: ${result.body.slice(0, 300)}`,
        );
        continue;
      }
      for (const text of [expectation.contains, expectation.retry_until]) {
        if (text !== undefined && !result.body.includes(text)) {
          failures.push(`${where}\n  body lacks ${JSON.stringify(text)}: ${result.body.slice(0, 300)}`);
        }
      }
      for (const [placeholder, dotted] of Object.entries(expectation.capture ?? {})) {
        try {
          captured.set(placeholder, valueAt(result.body, dotted));
        } catch (error) {
          failures.push(`${where}\n  ${String(error)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('shellCommands', () => {
  it('joins continued lines and multi-line quotes, and drops comments', () => {
    expect(
      shellCommands(
        `curl -s a -d '{\n  "x": "# not a comment"}'   # a comment\ncurl -s b \\\n  -H 'h: v'\n# only a comment\n`,
      ),
    ).toEqual([`curl -s a -d '{\n  "x": "# not a comment"}'`, `curl -s b    -H 'h: v'`]);
  });
});
