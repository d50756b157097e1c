import { describe, expect, it } from 'vitest';
import { BagOfWordsEmbedder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { classify, prepareClassifier } from './classify.ts';

const embedder = new BagOfWordsEmbedder();

describe('classify', () => {
  it('zero-shot: picks the label whose name and description fit, with scores summing to 1', async () => {
    const result = await classify(
      {
        text: 'My invoice was charged twice and I want a refund of the payment.',
        labels: [
          { name: 'billing', description: 'invoice, payment, refund, charge' },
          { name: 'technical_support', description: 'bug, crash, error, login problem' },
          { name: 'sales' },
        ],
      },
      { embedder },
    );
    expect(result.chosen).toEqual(['billing']);
    expect(result.labels[0]?.name).toBe('billing');
    expect(result.labels.reduce((total, label) => total + label.score, 0)).toBeCloseTo(1, 3);
    expect(result.labels.every((label) => label.score >= 0 && label.score <= 1)).toBe(true);
    expect(result).toMatchObject({ engine: 'local', model: 'bag-of-words+tfidf' });
  });

  it("few-shot: regressions over the examples' words and character n-grams decide when names say little", async () => {
    const labels = [
      {
        name: 'A',
        examples: [
          'the striker scored a goal',
          'the match ended in a draw',
          'the goalkeeper saved a penalty',
        ],
      },
      {
        name: 'B',
        examples: ['the parliament passed the bill', 'the minister resigned', 'voters elect a new president'],
      },
    ];
    const classifier = await prepareClassifier(labels, { embedder: null });
    expect((await classifier.classify({ text: 'a late goal won the match' })).chosen).toEqual(['A']);
    expect((await classifier.classify({ text: 'the president signed the bill' })).chosen).toEqual(['B']);
    const result = await classifier.classify({ text: 'the president signed the bill' });
    expect(result.model).toBe('word-chargram-logistic');
    expect(result.labels[0]?.score).toBeGreaterThan(0.5);
  });

  it('multi-label (real USE-lite): independent scores, chosen are those >= 0.5 (maybe none), top_k bounds the list', async () => {
    const labels = [
      { name: 'shipping', description: 'delivery parcel shipping late courier' },
      { name: 'billing', description: 'invoice payment refund charge' },
      { name: 'weather', description: 'rain sun forecast temperature' },
    ];
    const both = await classify({
      text: 'The parcel delivery was late and the invoice charge was wrong, I want a refund',
      labels,
      multi_label: true,
    });
    expect(both.chosen.sort()).toEqual(['billing', 'shipping']);
    expect(both.labels.find((label) => label.name === 'weather')?.score).toBeLessThan(0.5);
    const none = await classify({ text: 'zzz qqq', labels, multi_label: true, top_k: 2 }, { embedder });
    expect(none.chosen).toEqual([]);
    const weather = await classify({
      text: 'Sunny with light rain later, 18 degrees',
      labels,
      multi_label: true,
    });
    expect(weather.chosen).toEqual(['weather']);
    expect(none.labels).toHaveLength(2);
  });

  it('reuses the classifier prepared for a label set: a second call embeds only its text', async () => {
    const counting = new BagOfWordsEmbedder();
    const labels = [
      { name: 'sport', examples: ['the striker scored a goal', 'the match ended in a draw'] },
      { name: 'politics', examples: ['the parliament passed the bill', 'the minister resigned'] },
    ];
    const first = await classify({ text: 'a late goal won the match', labels }, { embedder: counting });
    const callsAfterFirst = counting.calls;
    const second = await classify({ text: 'the minister signed the bill', labels }, { embedder: counting });
    expect(counting.calls - callsAfterFirst).toBe(1);
    expect(first.chosen).toEqual(['sport']);
    expect(second.chosen).toEqual(['politics']);
    // Other examples are another label set: prepared afresh.
    const changed = labels.map((label) => ({ ...label, examples: [...label.examples, 'one more'] }));
    await classify({ text: 'a goal', labels: changed }, { embedder: counting });
    expect(counting.calls - callsAfterFirst).toBeGreaterThan(2);
  });

  it('handles empty and unicode text', async () => {
    const labels = [{ name: 'greeting' }, { name: 'complaint' }];
    const empty = await classify({ text: '', labels }, { embedder });
    expect(empty.labels).toHaveLength(2);
    expect(empty.chosen).toHaveLength(1);
    const unicode = await classify({ text: 'Привет! こんにちは', labels }, { embedder: null });
    expect(unicode.chosen).toHaveLength(1);
  });

  it('rejects invalid label sets', async () => {
    await expect(classify({ text: 'x', labels: [] })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(classify({ text: 'x', labels: [{ name: 'a' }, { name: 'a' }] })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(
      classify({ text: 'x', labels: [{ name: 'a' }], top_k: 0 }, { embedder: null }),
    ).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    const many = Array.from({ length: 101 }, (_, index) => ({ name: `l${index}` }));
    await expect(classify({ text: 'x', labels: many })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_TOO_LARGE',
    });
  });
});
