/**
 * A small JSON Schema (draft 2020-12) validator for the subset the vector schemas use, so the
 * files can be checked without a dependency. Unsupported keywords are an error, never ignored:
 * a schema that relies on one fails loudly instead of passing everything.
 *
 * Supported: `type` (one or a list), `properties`, `required`, `additionalProperties` (false or a
 * schema), `items`, `enum`, `const`, `pattern`, `minLength`, `maxLength`, `minimum`, `maximum`,
 * `minItems`, `maxItems`, `oneOf`, `$ref` to `#/$defs/<name>`, and the annotations `$schema`,
 * `$id`, `$defs`, `$comment`, `title`, `description`.
 *
 * @module
 */

/** A JSON Schema document or sub-schema. */
export type JsonSchema = boolean | { [keyword: string]: unknown };

const ANNOTATIONS = new Set(["$schema", "$id", "$defs", "$comment", "title", "description"]);
const ASSERTIONS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "oneOf",
  "$ref",
]);

/** Most errors reported, so a badly broken file does not flood the output. */
const MAX_ERRORS = 20;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function hasType(v: unknown, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === "number" && t === "integer");
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Validate `value` against `schema`.
 *
 * @param value the parsed JSON
 * @param schema the schema (its `$defs` resolve `$ref`s)
 * @returns the errors, each as `<JSON pointer>: <message>`; empty when valid
 * @throws {Error} when the schema uses a keyword outside the supported subset or a `$ref` that
 *   does not resolve
 */
export function validateJson(value: unknown, schema: JsonSchema): string[] {
  const errors: string[] = [];
  check(value, schema, schema, "", errors);
  return errors.slice(0, MAX_ERRORS);
}

function resolve(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref);
  const defs = typeof root === "object" ? root.$defs as Record<string, JsonSchema> | undefined : undefined;
  if (!m || !defs || !Object.hasOwn(defs, m[1])) throw new Error(`Cannot validate: unresolvable $ref "${ref}"`);
  return defs[m[1]];
}

function check(value: unknown, schema: JsonSchema, root: JsonSchema, path: string, errors: string[]): void {
  if (errors.length >= MAX_ERRORS) return;
  const at = path === "" ? "/" : path;
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${at}: no value is allowed here`);
    return;
  }
  for (const k of Object.keys(schema)) {
    if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) {
      throw new Error(`Cannot validate: unsupported keyword "${k}" at ${at}`);
    }
  }
  if (typeof schema.$ref === "string") check(value, resolve(root, schema.$ref), root, path, errors);

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) {
      errors.push(`${at}: is ${typeOf(value)}, expected ${types.join(" or ")}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if ("const" in schema && !deepEqual(schema.const, value)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.oneOf)) {
    const branchErrors = schema.oneOf.map((s) => {
      const e: string[] = [];
      check(value, s as JsonSchema, root, path, e);
      return e;
    });
    const matched = branchErrors.filter((e) => e.length === 0).length;
    if (matched !== 1) {
      const detail = matched === 0
        ? `; closest: ${branchErrors.reduce((a, b) => (b.length < a.length ? b : a))[0]}`
        : "";
      errors.push(`${at}: matches ${matched} of ${schema.oneOf.length} oneOf branches${detail}`);
    }
  }
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      errors.push(`${at}: "${value.slice(0, 40)}${value.length > 40 ? "…" : ""}" does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) {
      errors.push(`${at}: shorter than ${schema.minLength}`);
    }
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength) {
      errors.push(`${at}: longer than ${schema.maxLength}`);
    }
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      errors.push(`${at}: ${value} < ${schema.minimum}`);
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      errors.push(`${at}: ${value} > ${schema.maximum}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    }
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      errors.push(`${at}: more than ${schema.maxItems} items`);
    }
    if (schema.items !== undefined) {
      value.forEach((item, i) => check(item, schema.items as JsonSchema, root, `${path}/${i}`, errors));
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    if (Array.isArray(schema.required)) {
      for (const r of schema.required as string[]) if (!Object.hasOwn(obj, r)) errors.push(`${at}: missing "${r}"`);
    }
    for (const [k, v] of Object.entries(obj)) {
      const sub = `${path}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (Object.hasOwn(props, k)) check(v, props[k], root, sub, errors);
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property "${k}"`);
      else if (schema.additionalProperties !== undefined) {
        check(v, schema.additionalProperties as JsonSchema, root, sub, errors);
      }
    }
  }
}
