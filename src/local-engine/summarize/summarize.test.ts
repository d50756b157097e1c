import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BagOfWordsEmbedder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { countWords, splitSentences } from '../text/analyze.ts';
import { summarize } from './summarize.ts';

const ARTICLE = `The keel is the backbone of a sailing boat. It runs along the bottom of the hull from bow to stern.
A keel keeps the boat upright and stops it drifting sideways in the wind. Modern racing yachts use deep fin keels with a heavy bulb.
The weather at the regatta was pleasant. Sailors who understand the keel understand why a boat can sail upwind.
Bilge keels let a boat stand upright on the mud at low tide.`;

describe('summarize', () => {
  it('returns the requested number of sentences, in document order, with key points by importance', async () => {
    const result = await summarize(
      { text: ARTICLE, max_sentences: 2 },
      { embedder: new BagOfWordsEmbedder() },
    );
    expect(result.sentence_count).toBe(2);
    expect(result.key_points).toHaveLength(2);
    const sentences = splitSentences(ARTICLE);
    const positions = result.key_points
      .map((point) => sentences.indexOf(point))
      .sort((left, right) => left - right);
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(result.summary).toBe(positions.map((position) => sentences[position]).join(' '));
    expect(result.summary).not.toContain('weather');
    expect(result).toMatchObject({ engine: 'local', model: 'bag-of-words+extractive' });
  });

  it('keeps the opening sentence, then prefers a short on-topic sentence to a long one (decision 0196)', async () => {
    const text = `The harbour authority approved a new ferry terminal on Monday.
The terminal, which the authority said would be built on the old coal wharf at the north end of the harbour over the next three years at a cost shared between the city, the port and two private operators, will serve four ferry routes.
Ferry operators welcomed the terminal.
The terminal opens in 2029 with four ferry routes.`;
    for (const embedder of [new BagOfWordsEmbedder(), null]) {
      const result = await summarize({ text, max_sentences: 2 }, { embedder });
      expect(result.key_points[0]).toBe('The harbour authority approved a new ferry terminal on Monday.');
      expect(result.summary).not.toContain('coal wharf');
      expect(result.word_count).toBeLessThan(25);
    }
  });

  it('follows the focus query', async () => {
    const result = await summarize(
      { text: ARTICLE, max_sentences: 1, focus: 'low tide mud' },
      { embedder: null },
    );
    expect(result.summary).toContain('Bilge keels');
    expect(result.model).toBe('extractive');
  });

  it('writes bullets and never exceeds max_words, cutting one sentence when none fits', async () => {
    const bullets = await summarize({ text: ARTICLE, max_words: 30, style: 'bullets' }, { embedder: null });
    expect(bullets.summary.split('\n').every((line) => line.startsWith('- '))).toBe(true);
    expect(countWords(bullets.summary)).toBeLessThanOrEqual(30);
    const tiny = await summarize({ text: ARTICLE, max_words: 3 }, { embedder: null });
    expect(tiny.truncated).toBe(true);
    expect(countWords(tiny.summary)).toBe(3);
    expect(tiny.summary.endsWith('…')).toBe(true);
  });

  it('handles empty, one-sentence and unicode texts', async () => {
    expect(await summarize({ text: '' }, { embedder: null })).toMatchObject({
      summary: '',
      key_points: [],
      sentence_count: 0,
    });
    expect((await summarize({ text: 'Only one sentence here.' }, { embedder: null })).summary).toBe(
      'Only one sentence here.',
    );
    const unicode = await summarize(
      { text: 'Ça va très bien. Привет, мир. 東京は大きい都市です。', max_sentences: 2 },
      { embedder: null },
    );
    expect(unicode.sentence_count).toBeLessThanOrEqual(2);
  });

  it('rejects bad bounds and huge input, and honours an aborted signal', async () => {
    await expect(summarize({ text: ARTICLE, max_words: 0 })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(summarize({ text: ARTICLE, max_sentences: 1.5 })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(summarize({ text: 'x'.repeat(200_001) })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_TOO_LARGE',
    });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(summarize({ text: ARTICLE }, { signal: controller.signal })).rejects.toThrow('gone');
  });

  it('never returns more words or sentences than asked (property)', async () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9]{1,12}$/);
    const sentence = fc.array(word, { minLength: 1, maxLength: 40 }).map((words) => `${words.join(' ')}.`);
    const text = fc.array(sentence, { minLength: 0, maxLength: 25 }).map((sentences) => sentences.join(' '));
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.constantFrom('paragraph' as const, 'bullets' as const),
        async (input, maxWords, maxSentences, style) => {
          const result = await summarize(
            {
              text: input,
              ...(maxWords === undefined ? {} : { max_words: maxWords }),
              ...(maxSentences === undefined ? {} : { max_sentences: maxSentences }),
              style,
            },
            { embedder: null },
          );
          if (maxWords !== undefined) expect(countWords(result.summary)).toBeLessThanOrEqual(maxWords);
          expect(result.sentence_count).toBeLessThanOrEqual(
            maxSentences ?? (maxWords === undefined ? 3 : Number.POSITIVE_INFINITY),
          );
          expect(result.word_count).toBe(countWords(result.summary));
        },
      ),
      { numRuns: 60 },
    );
  });
});
