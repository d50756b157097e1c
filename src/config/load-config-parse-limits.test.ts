import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS } from '../modules/documents/index.ts';
import { ConfigError, loadConfig } from './index.ts';

const cwd = '/srv/keel';

describe('parse limits from the environment', () => {
  it('default to the parsers’ own defaults', async () => {
    const config = await loadConfig({ environment: {}, cwd });
    expect(config.documents.parseLimits).toEqual(DEFAULT_PARSE_LIMITS);
  });

  it('read every KEEL_PARSE_* variable', async () => {
    const config = await loadConfig({
      environment: {
        KEEL_PARSE_MAX_UNCOMPRESSED_BYTES: '1048576',
        KEEL_PARSE_MAX_ZIP_ENTRIES: '50',
        KEEL_PARSE_MAX_COMPRESSION_RATIO: '40',
        KEEL_PARSE_MAX_NESTING_DEPTH: '64',
        KEEL_PARSE_MAX_PDF_PAGES: '10',
        KEEL_PARSE_MAX_CHARACTERS: '100000',
        KEEL_PARSE_MAX_BLOCKS: '1000',
      },
      cwd,
    });
    expect(config.documents.parseLimits).toEqual({
      maxUncompressedBytes: 1_048_576,
      maxZipEntries: 50,
      maxCompressionRatio: 40,
      maxNestingDepth: 64,
      maxPdfPages: 10,
      maxCharacters: 100_000,
      maxBlocks: 1_000,
    });
  });

  it('refuse values that would switch a limit off', async () => {
    const error = await loadConfig({
      environment: { KEEL_PARSE_MAX_NESTING_DEPTH: '0', KEEL_PARSE_MAX_ZIP_ENTRIES: 'many' },
      cwd,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/KEEL_PARSE_MAX_NESTING_DEPTH/);
    expect(problems).toMatch(/KEEL_PARSE_MAX_ZIP_ENTRIES/);
  });
});
