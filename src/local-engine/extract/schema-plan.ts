import { AppError, type FieldError } from '../../platform/errors/index.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import { localEngineErrors } from '../local-engine.errors.ts';
import { schemaErrors, violations } from './json-schema-validator.ts';

export type JsonObject = { readonly [key: string]: unknown };
export type ScalarKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

interface NodeBase {
  /** JSON Pointer into the schema (for refusal messages). */
  readonly schemaPointer: string;
  /** Property names from the root (array items add no name). */
  readonly path: readonly string[];
  readonly name: string;
  readonly schema: JsonObject;
  readonly nullable: boolean;
  /** A valid value for when nothing is found: `{ value }`, or undefined when none is safe. */
  readonly placeholder: { readonly value: unknown } | undefined;
}

export interface ObjectNode extends NodeBase {
  readonly kind: 'object';
  readonly properties: readonly {
    readonly name: string;
    readonly node: SchemaNode;
    readonly required: boolean;
  }[];
}

export interface ArrayNode extends NodeBase {
  readonly kind: 'array';
  readonly items: SchemaNode;
  readonly minItems: number;
  readonly maxItems: number;
  readonly uniqueItems: boolean;
}

export interface ScalarNode extends NodeBase {
  readonly kind: ScalarKind;
  readonly format: string | undefined;
  readonly enumValues: readonly unknown[] | undefined;
}

export type SchemaNode = ObjectNode | ArrayNode | ScalarNode;

/** A checked extraction schema: the tree the extractors walk, and the schema the output validates against. */
export interface ExtractionPlan {
  readonly root: ObjectNode;
  readonly schema: JsonObject;
}

export const SUPPORTED_FORMATS = [
  'email',
  'uri',
  'url',
  'date',
  'date-time',
  'time',
  'uuid',
  'ipv4',
] as const;

const ANNOTATIONS = new Set([
  'title',
  'description',
  'default',
  'examples',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
const KEYWORDS: Record<string, ReadonlySet<string>> = {
  object: new Set(['type', 'properties', 'required', 'additionalProperties']),
  array: new Set(['type', 'items', 'minItems', 'maxItems', 'uniqueItems']),
  string: new Set(['type', 'format', 'minLength', 'maxLength', 'pattern', 'enum', 'const']),
  number: new Set([
    'type',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'multipleOf',
    'enum',
    'const',
  ]),
  integer: new Set([
    'type',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'multipleOf',
    'enum',
    'const',
  ]),
  boolean: new Set(['type', 'enum', 'const']),
  enum: new Set(['type', 'enum', 'const']),
};
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

class PlanBuilder {
  readonly problems: FieldError[] = [];
  nodes = 0;

  refuse(schemaPointer: string, message: string, code = 'unsupported'): void {
    this.problems.push({ pointer: schemaPointer || '/', message, code });
  }

  build(
    schema: unknown,
    schemaPointer: string,
    path: readonly string[],
    name: string,
    depth: number,
  ): SchemaNode | undefined {
    this.nodes++;
    if (this.nodes > LOCAL_ENGINE_LIMITS.maxSchemaNodes) {
      if (this.nodes === LOCAL_ENGINE_LIMITS.maxSchemaNodes + 1) {
        this.refuse(
          schemaPointer,
          `the schema has more than ${LOCAL_ENGINE_LIMITS.maxSchemaNodes} subschemas`,
          'too_large',
        );
      }
      return undefined;
    }
    if (depth > LOCAL_ENGINE_LIMITS.maxSchemaDepth) {
      this.refuse(
        schemaPointer,
        `nesting deeper than ${LOCAL_ENGINE_LIMITS.maxSchemaDepth} levels`,
        'too_deep',
      );
      return undefined;
    }
    if (!isObject(schema)) {
      this.refuse(schemaPointer, 'a subschema must be an object (boolean schemas are not supported)');
      return undefined;
    }
    const declared = schema.type;
    const types = Array.isArray(declared) ? declared : declared === undefined ? [] : [declared];
    const nullable = types.includes('null') || (Array.isArray(schema.enum) && schema.enum.includes(null));
    const nonNull = types.filter((type) => type !== 'null');
    if (nonNull.length > 1 || nonNull.some((type) => typeof type !== 'string' || !TYPES.has(type))) {
      this.refuse(
        schemaPointer,
        `type ${JSON.stringify(declared)} is not supported: use one type, optionally with "null"`,
      );
      return undefined;
    }
    const hasEnum = schema.enum !== undefined || schema.const !== undefined;
    let kind =
      (nonNull[0] as string | undefined) ??
      (hasEnum ? 'enum' : schema.properties !== undefined ? 'object' : undefined);
    if (kind === undefined) {
      this.refuse(schemaPointer, 'give the field a "type" (or an "enum")');
      return undefined;
    }
    if (hasEnum && kind !== 'object' && kind !== 'array') kind = 'enum';
    const allowed = KEYWORDS[kind] ?? new Set<string>();
    for (const keyword of Object.keys(schema)) {
      if (!allowed.has(keyword) && !ANNOTATIONS.has(keyword)) {
        this.refuse(
          `${schemaPointer}/${escapePointer(keyword)}`,
          `keyword "${keyword}" is not supported for ${kind} fields`,
        );
      }
    }
    const base = { schemaPointer, path, name, schema, nullable };

    if (kind === 'object') {
      const properties = schema.properties ?? {};
      if (!isObject(properties)) {
        this.refuse(`${schemaPointer}/properties`, '"properties" must be an object');
        return undefined;
      }
      const required = Array.isArray(schema.required)
        ? (schema.required as unknown[]).filter((item): item is string => typeof item === 'string')
        : [];
      for (const requiredName of required) {
        if (!(requiredName in properties))
          this.refuse(`${schemaPointer}/required`, `"${requiredName}" is required but not in "properties"`);
      }
      const children: { name: string; node: SchemaNode; required: boolean }[] = [];
      for (const [childName, childSchema] of Object.entries(properties)) {
        const node = this.build(
          childSchema,
          `${schemaPointer}/properties/${escapePointer(childName)}`,
          [...path, childName],
          childName,
          depth + 1,
        );
        if (node !== undefined)
          children.push({ name: childName, node, required: required.includes(childName) });
      }
      const node: ObjectNode = { ...base, kind: 'object', properties: children, placeholder: undefined };
      return { ...node, placeholder: this.placeholder(node) };
    }
    if (kind === 'array') {
      if (schema.items === undefined) {
        this.refuse(schemaPointer, 'arrays need an "items" schema');
        return undefined;
      }
      const items = this.build(schema.items, `${schemaPointer}/items`, path, name, depth + 1);
      if (items === undefined) return undefined;
      const node: ArrayNode = {
        ...base,
        kind: 'array',
        items,
        minItems: typeof schema.minItems === 'number' ? schema.minItems : 0,
        maxItems: typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY,
        uniqueItems: schema.uniqueItems === true,
        placeholder: undefined,
      };
      return { ...node, placeholder: this.placeholder(node) };
    }
    const format = typeof schema.format === 'string' ? schema.format : undefined;
    if (format !== undefined && !(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
      this.refuse(
        `${schemaPointer}/format`,
        `format "${format}" is not supported (supported: ${SUPPORTED_FORMATS.join(', ')})`,
      );
    }
    const enumValues =
      schema.const !== undefined
        ? [schema.const]
        : Array.isArray(schema.enum)
          ? (schema.enum as unknown[])
          : undefined;
    if (enumValues !== undefined && enumValues.length === 0)
      this.refuse(`${schemaPointer}/enum`, '"enum" must not be empty');
    const node: ScalarNode = {
      ...base,
      kind: kind as ScalarKind,
      format,
      enumValues,
      placeholder: undefined,
    };
    return { ...node, placeholder: this.placeholder(node) };
  }

  /** The closest valid "nothing found" value: null, the default, or the type's empty value within its constraints. */
  placeholder(node: SchemaNode): { value: unknown } | undefined {
    // A subschema Ajv cannot compile (a keyword this builder already refused) has no placeholder.
    const accept = (value: unknown) => {
      try {
        return violations(node.schema, value).length === 0 ? { value } : undefined;
      } catch {
        return undefined;
      }
    };
    if (node.nullable) {
      const asNull = accept(null);
      if (asNull) return asNull;
    }
    if (node.schema.default !== undefined) {
      const asDefault = accept(node.schema.default);
      if (asDefault) return asDefault;
    }
    switch (node.kind) {
      case 'object': {
        const value: Record<string, unknown> = {};
        for (const property of node.properties) {
          if (!property.required) continue;
          if (property.node.placeholder === undefined) return undefined;
          value[property.name] = property.node.placeholder.value;
        }
        return accept(value);
      }
      case 'array':
        return accept([]);
      case 'enum':
        return node.enumValues === undefined ? undefined : accept(node.enumValues[0]);
      case 'string':
        return accept('');
      case 'boolean':
        return accept(false);
      case 'number':
      case 'integer': {
        const minimum = typeof node.schema.minimum === 'number' ? node.schema.minimum : undefined;
        const maximum = typeof node.schema.maximum === 'number' ? node.schema.maximum : undefined;
        const candidates = [
          0,
          minimum,
          maximum,
          minimum === undefined ? undefined : Math.ceil(minimum),
          maximum === undefined ? undefined : Math.floor(maximum),
        ];
        const step = typeof node.schema.multipleOf === 'number' ? node.schema.multipleOf : undefined;
        if (step !== undefined && minimum !== undefined)
          candidates.push(Math.ceil(minimum / step) * step, (Math.floor(minimum / step) + 1) * step);
        if (typeof node.schema.exclusiveMinimum === 'number')
          candidates.push(Math.floor(node.schema.exclusiveMinimum) + 1);
        if (typeof node.schema.exclusiveMaximum === 'number')
          candidates.push(Math.ceil(node.schema.exclusiveMaximum) - 1);
        for (const candidate of candidates) {
          if (candidate === undefined) continue;
          const accepted = accept(candidate);
          if (accepted) return accepted;
        }
        return undefined;
      }
      default: {
        const exhaustive: never = node;
        return exhaustive;
      }
    }
  }
}

function missingPlaceholders(node: SchemaNode, builder: PlanBuilder): void {
  if (node.kind !== 'object') return;
  for (const property of node.properties) {
    if (!property.required) continue;
    if (property.node.placeholder === undefined) {
      if (property.node.kind === 'object') missingPlaceholders(property.node, builder);
      else {
        builder.refuse(
          property.node.schemaPointer,
          `required field "${[...property.node.path].join('.')}" has no valid empty value (it has a format, a pattern or a minimum size): make it nullable (type [..., "null"]), give it a "default", or make it optional`,
          'no_placeholder',
        );
      }
    }
  }
}

/** Wraps the problems of a refused schema in LOCAL_ENGINE_SCHEMA_UNSUPPORTED. */
function refused(problems: readonly FieldError[]): AppError {
  return new AppError(localEngineErrors.LOCAL_ENGINE_SCHEMA_UNSUPPORTED, {
    detail: `The local engine cannot extract with this schema: ${problems.length} problem${problems.length === 1 ? '' : 's'} (first: ${problems[0]?.pointer} ${problems[0]?.message}).`,
    errors: problems.slice(0, 50),
  });
}

/**
 * Checks a JSON Schema for extraction and compiles its tree. Refuses (LOCAL_ENGINE_SCHEMA_UNSUPPORTED)
 * a schema that is not an object schema, uses keywords or formats outside the supported subset, exceeds
 * the size bounds, or has a required field whose "not found" value cannot be valid: that rule is what
 * lets `extract` promise output that always validates.
 */
export function compileExtractionSchema(input: unknown): ExtractionPlan {
  if (!isObject(input))
    throw refused([{ pointer: '/', message: 'the schema must be a JSON object', code: 'not_object' }]);
  const bytes = JSON.stringify(input).length;
  if (bytes > LOCAL_ENGINE_LIMITS.maxSchemaBytes) {
    throw refused([
      {
        pointer: '/',
        message: `the schema has ${bytes} bytes of JSON; at most ${LOCAL_ENGINE_LIMITS.maxSchemaBytes}`,
        code: 'too_large',
      },
    ]);
  }
  const { $schema: _dialect, ...schema } = input;
  const metaErrors = schemaErrors(schema);
  if (metaErrors.length > 0)
    throw refused(
      metaErrors.map((message) => ({
        pointer: '/',
        message: `not a valid JSON Schema: ${message}`,
        code: 'invalid_schema',
      })),
    );
  const builder = new PlanBuilder();
  const root = builder.build(schema, '', [], '', 0);
  if (root !== undefined && root.kind !== 'object')
    builder.refuse('/type', 'the root of an extraction schema must be an object');
  if (builder.problems.length > 0 || root === undefined || root.kind !== 'object')
    throw refused(builder.problems);
  if (root.placeholder === undefined) {
    missingPlaceholders(root, builder);
    if (builder.problems.length === 0)
      builder.refuse('/', 'the schema has no valid empty document', 'no_placeholder');
    throw refused(builder.problems);
  }
  return { root, schema };
}
