import { describe, expect, it } from 'vitest';
import { featureSpace, trainSparseLogistic, wordFeatures } from './few-shot.ts';

describe('few-shot learners', () => {
  it('wordFeatures: lower-cased letter and digit runs, with $ and ! kept as words', () => {
    expect(wordFeatures('FREE money!!! Only $$$ 100, Größe')).toEqual([
      'free',
      'money!!!',
      'only',
      '$$$',
      '100',
      'größe',
    ]);
  });

  it('featureSpace: unit-length TF-IDF rows over the training features only', () => {
    const space = featureSpace([
      ['cheap', 'pills', 'now'],
      ['meeting', 'notes', 'now'],
    ]);
    expect(space.size).toBe(5);
    const row = space.row(['cheap', 'cheap', 'unseen', 'now']);
    expect(row.indices).toHaveLength(2);
    expect([...row.values].reduce((sum, value) => sum + value * value, 0)).toBeCloseTo(1, 6);
    // A feature in fewer training texts weighs more than one in every text.
    const cheap = row.values[[...row.indices].indexOf(0)] ?? 0;
    const now = row.values[[...row.indices].indexOf(2)] ?? 0;
    expect(cheap).toBeGreaterThan(now);
    expect(space.row(['unseen']).indices).toHaveLength(0);
  });

  it('trainSparseLogistic: separates the classes by the features that differ, not the shared ones', () => {
    const texts = [
      ['win', 'cash', 'now', 'the'],
      ['cash', 'prize', 'click', 'the'],
      ['win', 'prize', 'offer', 'the'],
      ['agenda', 'meeting', 'the'],
      ['notes', 'meeting', 'review', 'the'],
      ['review', 'agenda', 'draft', 'the'],
    ];
    const targets = [1, 1, 1, 0, 0, 0];
    const space = featureSpace(texts);
    const model = trainSparseLogistic(
      texts.map((text) => space.row(text)),
      targets,
      space.size,
    );
    expect(model.probability(space.row(['cash', 'offer', 'the']))).toBeGreaterThan(0.6);
    expect(model.probability(space.row(['meeting', 'draft', 'the']))).toBeLessThan(0.4);
    expect(model.probability(space.row(['the']))).toBeCloseTo(0.5, 1);
  });
});
