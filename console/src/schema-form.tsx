// A form generated from a capability's input JSON Schema (from /openapi.json), so a new capability gets a form
// without console changes. What the form cannot express as a field is edited as JSON. The API validates:
// field errors of its problem document (`errors[].pointer` = `/body/<field>`) appear under the fields.
import type { Problem } from './api.ts';

export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly examples?: readonly unknown[];
}

/** Follows `$ref`s into the document's components (one level at a time, as often as needed). */
export function resolve(schema: JsonSchema | undefined, components: Record<string, JsonSchema>): JsonSchema {
  let current = schema ?? {};
  for (let depth = 0; current.$ref !== undefined && depth < 20; depth++) {
    const name = decodeURIComponent(current.$ref.replace('#/components/schemas/', ''));
    current = components[name] ?? {};
  }
  return current;
}

type FieldKind = 'text' | 'long-text' | 'number' | 'boolean' | 'choice' | 'lines' | 'json';

export function fieldKind(schema: JsonSchema): FieldKind {
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((type) => type !== 'null');
  if (schema.enum?.every((value) => typeof value === 'string')) return 'choice';
  if (types.length !== 1) return 'json';
  switch (types[0]) {
    case 'string':
      return schema.maxLength !== undefined && schema.maxLength <= 200 ? 'text' : 'long-text';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return schema.items?.type === 'string' && !schema.items.enum ? 'lines' : 'json';
    default:
      return 'json';
  }
}

/** The form's text for each field; `toInput` turns it into the request body. */
export type FormValues = Record<string, string>;

export function initialValues(schema: JsonSchema, components: Record<string, JsonSchema>): FormValues {
  const values: FormValues = {};
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const property = resolve(raw, components);
    const kind = fieldKind(property);
    const example = property.default ?? property.examples?.[0];
    if (example === undefined) values[name] = kind === 'boolean' ? '' : '';
    else if (kind === 'json') values[name] = JSON.stringify(example, null, 2);
    else if (kind === 'lines' && Array.isArray(example)) values[name] = example.join('\n');
    else values[name] = String(example);
  }
  return values;
}

/** The body: empty fields are left out (the API applies defaults); JSON fields that do not parse are reported. */
export function toInput(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  values: FormValues,
): { readonly input: Record<string, unknown>; readonly errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const text = values[name] ?? '';
    if (text.trim() === '') continue;
    const kind = fieldKind(resolve(raw, components));
    if (kind === 'number') input[name] = Number(text);
    else if (kind === 'boolean') input[name] = text === 'true';
    else if (kind === 'lines')
      input[name] = text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    else if (kind === 'json') {
      try {
        input[name] = JSON.parse(text);
      } catch {
        errors[name] = 'Not valid JSON.';
      }
    } else input[name] = text;
  }
  return { input, errors };
}

/** Field errors of a problem document, by top-level body field. */
export function fieldErrors(problem: Problem | null | undefined): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const error of problem?.errors ?? []) {
    const field = error.pointer.replace(/^\/body\/?/, '').split('/')[0] ?? '';
    byField[field] = [...(byField[field] ?? []), error.message];
  }
  return byField;
}

export function SchemaForm(props: {
  readonly id: string;
  readonly schema: JsonSchema;
  readonly components: Record<string, JsonSchema>;
  readonly values: FormValues;
  readonly onChange: (values: FormValues) => void;
  readonly errors: Record<string, string[]>;
  readonly models: readonly string[];
}) {
  const required = new Set(props.schema.required ?? []);
  const set = (name: string, value: string) => props.onChange({ ...props.values, [name]: value });
  return (
    <div class="schema-form">
      {Object.entries(props.schema.properties ?? {}).map(([name, raw]) => {
        const property = resolve(raw, props.components);
        const kind = fieldKind(property);
        const id = `${props.id}-${name}`;
        const errors = props.errors[name] ?? [];
        const described = [property.description ? `${id}-help` : '', errors.length ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        const common = {
          id,
          name,
          'aria-invalid': errors.length > 0 ? ('true' as const) : undefined,
          'aria-describedby': described || undefined,
        };
        const value = props.values[name] ?? '';
        let control: preact.JSX.Element;
        if (name === 'model') {
          control = (
            <>
              <input
                {...common}
                list={`${id}-options`}
                value={value}
                placeholder="default route"
                onInput={(event) => set(name, event.currentTarget.value)}
              />
              <datalist id={`${id}-options`}>
                <option value="local">local (embedded engine)</option>
                {props.models.map((model) => (
                  <option key={model} value={model} />
                ))}
              </datalist>
            </>
          );
        } else if (kind === 'choice') {
          control = (
            <select {...common} value={value} onChange={(event) => set(name, event.currentTarget.value)}>
              <option value="">{required.has(name) ? 'Choose…' : '(default)'}</option>
              {(property.enum as string[]).map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          );
        } else if (kind === 'boolean') {
          control = (
            <select {...common} value={value} onChange={(event) => set(name, event.currentTarget.value)}>
              <option value="">(default)</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          );
        } else if (kind === 'number') {
          control = (
            <input
              {...common}
              type="number"
              step="any"
              min={property.minimum}
              max={property.maximum}
              value={value}
              onInput={(event) => set(name, event.currentTarget.value)}
            />
          );
        } else if (kind === 'text') {
          control = (
            <input {...common} value={value} onInput={(event) => set(name, event.currentTarget.value)} />
          );
        } else {
          control = (
            <textarea
              {...common}
              rows={kind === 'json' ? 4 : 5}
              class={kind === 'json' ? 'mono' : undefined}
              value={value}
              placeholder={kind === 'json' ? 'JSON' : kind === 'lines' ? 'One per line' : undefined}
              onInput={(event) => set(name, event.currentTarget.value)}
            />
          );
        }
        return (
          <div class="field" key={name}>
            <label for={id}>
              {name}
              {required.has(name) ? <abbr title="required"> *</abbr> : null}
              {kind === 'json' ? <span class="muted"> (JSON)</span> : null}
            </label>
            {control}
            {property.description ? (
              <small id={`${id}-help`} class="help">
                {property.description}
              </small>
            ) : null}
            {errors.length > 0 ? (
              <small id={`${id}-error`} class="field-error">
                {errors.join(' ')}
              </small>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
