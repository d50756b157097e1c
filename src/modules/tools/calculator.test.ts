import { describe, expect, it } from 'vitest';
import { evaluateExpression } from './calculator.ts';

describe('calculator', () => {
  it('follows precedence, associativity and unary minus', () => {
    expect(evaluateExpression('1 + 2 * 3')).toBe(7);
    expect(evaluateExpression('(1 + 2) * 3')).toBe(9);
    expect(evaluateExpression('2 ^ 3 ^ 2')).toBe(512);
    expect(evaluateExpression('-2 ^ 2')).toBe(-4);
    expect(evaluateExpression('10 % 4 - -1')).toBe(3);
    expect(evaluateExpression('1.5e3 / 3')).toBe(500);
  });

  it('knows constants and a fixed set of functions', () => {
    expect(evaluateExpression('sqrt(16) + max(1, 7, 3) + round(pi)')).toBe(14);
    expect(evaluateExpression('ln(e)')).toBe(1);
  });

  it('refuses code, unknown names and malformed input with TOOL_EXPRESSION_INVALID', () => {
    for (const bad of [
      'process.exit(1)',
      'constructor',
      'require("fs")',
      '1 +',
      '(1 + 2',
      '1 / 0',
      '',
      'sqrt()',
      '1; 2',
      `${'('.repeat(200)}1${')'.repeat(200)}`,
    ]) {
      expect(() => evaluateExpression(bad), bad).toThrow(
        expect.objectContaining({ code: 'TOOL_EXPRESSION_INVALID' }),
      );
    }
  });
});
