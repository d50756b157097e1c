import { describe, expect, it } from 'vitest';
import { analyzeSentences, countWords, lexicalTerms, patternEntities, splitSentences } from './analyze.ts';

describe('text analysis', () => {
  it('lemmatises, lower-cases and drops stop words and punctuation', () => {
    expect(lexicalTerms('The mice were running to https://example.com.')).toEqual([
      'mouse',
      'run',
      'https://example.com',
    ]);
    expect(lexicalTerms('')).toEqual([]);
    expect(lexicalTerms('   ')).toEqual([]);
  });

  it('splits sentences, and keeps list items and paragraphs apart even without full stops', () => {
    expect(splitSentences('Dr. Smith arrived. He left at 5 p.m. on Monday.')).toHaveLength(2);
    expect(splitSentences('Shopping list\n- milk\n- eggs\n\nSecond paragraph here')).toEqual([
      'Shopping list',
      '- milk',
      '- eggs',
      'Second paragraph here',
    ]);
    expect(splitSentences('')).toEqual([]);
  });

  it('does not end a sentence inside a dotted name, and still ends it after an abbreviation or a full stop', () => {
    expect(
      splitSentences(
        'A Node.js port of require.resolve() and _.cloneDeep, documented at kysely.dev today. It reads .docx files with OpenAPI 3.x schemas. The U.S. rate is 3.7 today. See e.g. the docs.',
      ),
    ).toEqual([
      'A Node.js port of require.resolve() and _.cloneDeep, documented at kysely.dev today.',
      'It reads .docx files with OpenAPI 3.x schemas.',
      'The U.S. rate is 3.7 today.',
      'See e.g. the docs.',
    ]);
  });

  it('handles non-Latin text without throwing', () => {
    const sentences = analyzeSentences('Привет, мир. 東京は大きい都市です。 Ça va très bien !');
    expect(sentences.length).toBeGreaterThan(0);
    expect(sentences.flatMap((sentence) => sentence.terms).length).toBeGreaterThan(0);
    expect(countWords('Привет, мир')).toBe(2);
  });

  it('counts words as chunks holding a letter or digit', () => {
    expect(countWords('- one, two\n- three 4 …')).toBe(4);
    expect(countWords('')).toBe(0);
    expect(countWords(' -- ! ')).toBe(0);
  });

  it('finds pattern entities and trims sentence punctuation off URLs', () => {
    const entities = patternEntities('Pay $1,234.50 (15%) to billing@acme.com, see https://acme.com/pay.');
    expect(entities).toEqual(
      expect.arrayContaining([
        { type: 'MONEY', value: '$1,234.50' },
        { type: 'PERCENT', value: '15%' },
        { type: 'EMAIL', value: 'billing@acme.com' },
        { type: 'URL', value: 'https://acme.com/pay' },
      ]),
    );
  });
});
