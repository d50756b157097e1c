import { AppError } from '../../platform/errors/index.ts';
import { toolErrors } from './tools.errors.ts';

// A small arithmetic language parsed by recursive descent, never `eval`: numbers, + - * / % ^ (right
// associative), parentheses, unary minus, the constants pi and e, and a fixed list of functions.
const FUNCTIONS: Readonly<Record<string, (...values: number[]) => number>> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  exp: Math.exp,
  ln: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  trunc: Math.trunc,
  min: Math.min,
  max: Math.max,
  pow: Math.pow,
};
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };
const MAX_LENGTH = 1_000;
const MAX_DEPTH = 64;

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'name'; readonly value: string; readonly at: number }
  | { readonly kind: 'symbol'; readonly value: string; readonly at: number };

function fail(detail: string): never {
  throw new AppError(toolErrors.TOOL_EXPRESSION_INVALID, { detail });
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const character = expression[index] as string;
    if (/\s/.test(character)) {
      index += 1;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(expression.slice(index));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: index });
      index += number[0].length;
      continue;
    }
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(expression.slice(index));
    if (name) {
      tokens.push({ kind: 'name', value: name[0].toLowerCase(), at: index });
      index += name[0].length;
      continue;
    }
    if ('+-*/%^(),'.includes(character)) {
      tokens.push({ kind: 'symbol', value: character, at: index });
      index += 1;
      continue;
    }
    fail(`unexpected character "${character}" at position ${index}`);
  }
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #position = 0;
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): number {
    if (this.#tokens.length === 0) fail('the expression is empty');
    const value = this.#sum();
    const rest = this.#tokens[this.#position];
    if (rest) fail(`unexpected "${String(rest.value)}" at position ${rest.at}`);
    return value;
  }

  #peek(symbol: string): boolean {
    const token = this.#tokens[this.#position];
    return token?.kind === 'symbol' && token.value === symbol;
  }

  #expect(symbol: string): void {
    if (!this.#peek(symbol)) {
      const token = this.#tokens[this.#position];
      fail(token ? `expected "${symbol}" at position ${token.at}` : `expected "${symbol}" at the end`);
    }
    this.#position += 1;
  }

  #sum(): number {
    let value = this.#product();
    while (this.#peek('+') || this.#peek('-')) {
      const operator = (this.#tokens[this.#position++] as Token).value;
      const right = this.#product();
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  }

  #product(): number {
    let value = this.#unary();
    while (this.#peek('*') || this.#peek('/') || this.#peek('%')) {
      const operator = (this.#tokens[this.#position++] as Token).value;
      const right = this.#unary();
      if ((operator === '/' || operator === '%') && right === 0) fail('division by zero');
      value = operator === '*' ? value * right : operator === '/' ? value / right : value % right;
    }
    return value;
  }

  #unary(): number {
    if (this.#peek('-')) {
      this.#position += 1;
      return -this.#unary();
    }
    if (this.#peek('+')) {
      this.#position += 1;
      return this.#unary();
    }
    return this.#power();
  }

  #power(): number {
    const base = this.#primary();
    if (this.#peek('^')) {
      this.#position += 1;
      return base ** this.#unary();
    }
    return base;
  }

  #primary(): number {
    this.#depth += 1;
    if (this.#depth > MAX_DEPTH) fail(`the expression nests deeper than ${MAX_DEPTH} levels`);
    try {
      const token = this.#tokens[this.#position];
      if (!token) fail('the expression ends too early');
      this.#position += 1;
      if (token.kind === 'number') return token.value;
      if (token.kind === 'symbol') {
        if (token.value !== '(') fail(`unexpected "${token.value}" at position ${token.at}`);
        const value = this.#sum();
        this.#expect(')');
        return value;
      }
      const constant = CONSTANTS[token.value];
      if (constant !== undefined && !this.#peek('(')) return constant;
      const fn = FUNCTIONS[token.value];
      if (!fn) fail(`unknown name "${token.value}" at position ${token.at}`);
      this.#expect('(');
      const args: number[] = [];
      if (!this.#peek(')')) {
        args.push(this.#sum());
        while (this.#peek(',')) {
          this.#position += 1;
          args.push(this.#sum());
        }
      }
      this.#expect(')');
      if (args.length === 0) fail(`${token.value}() needs at least one argument`);
      return fn(...args);
    } finally {
      this.#depth -= 1;
    }
  }
}

/** Evaluates an arithmetic expression safely; throws TOOL_EXPRESSION_INVALID on anything else. */
export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_LENGTH) fail(`the expression is longer than ${MAX_LENGTH} characters`);
  const value = new Parser(tokenize(expression)).parse();
  if (!Number.isFinite(value)) fail('the result is not a finite number');
  return value;
}
