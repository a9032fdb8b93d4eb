import type { z } from 'zod';
import { type FieldErrors, invalidInput } from './errors.ts';

/**
 * Parses input with a zod schema and turns every issue into Laravel's wording ("The first name field is
 * required."), the error language the REST v1 page documents; GraphQL returns the same map in
 * extensions.errors. A schema can word a rule itself with a message containing ":attribute" (filled in
 * with the field's name); a `custom` issue's message is always used as written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = checkInput(schema, input);
  if (result.success) return result.data;
  throw invalidInput(result.errors);
}

/** parseInput without throwing, for callers that add their own checks and report every error at once. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown): { success: true; data: z.output<S> } | { success: false; errors: FieldErrors } {
  const deep = tooDeepPath(input);
  if (deep)
    return {
      success: false,
      errors: { [deep[0] ?? 'input']: [`The ${attributeName(deep[0] ?? 'input')} field must not be nested more than ${MAX_NESTING} levels deep.`] },
    };
  // PostgreSQL text and jsonb cannot hold NUL; refuse it everywhere here rather than fail at the database.
  const nulErrors = nulCharacterErrors(input);
  if (Object.keys(nulErrors).length > 0) return { success: false, errors: nulErrors };
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  return { success: false, errors: toFieldErrors(result.error.issues, input) };
}

/** JSON nested deeper than this is refused before anything else looks at it (and nothing recurses that deep). */
export const MAX_NESTING = 32;

/**
 * Field errors are collected in a Map and only then made an object (Object.fromEntries defines own properties),
 * so a client's key named `__proto__`, `constructor` or `prototype` is an ordinary key of the error map, never a
 * write to an object's prototype.
 */
class ErrorMap {
  readonly #map = new Map<string, string[]>();
  add(key: string, message: string): void {
    const list = this.#map.get(key) ?? [];
    if (!list.includes(message)) list.push(message);
    this.#map.set(key, list);
  }
  get size(): number {
    return this.#map.size;
  }
  toObject(): FieldErrors {
    return Object.fromEntries(this.#map);
  }
}

/**
 * Walks every value in `input` (iteratively: no recursion) and answers whether `found` held for one — a string or key
 * with its depth — without building a path per value: every request's body is checked this way two or three times,
 * and the paths were 6 % of all the memory a registration allocated (measured). The exact walks below, which name
 * the field, run only when this finds something.
 */
function anyValue(input: unknown, found: (value: unknown, depth: number) => boolean, foundKey: (key: string) => boolean): boolean {
  const values: unknown[] = [input];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (found(value, depth)) return true;
    if (value === null || typeof value !== 'object' || value instanceof Date) continue;
    for (const key of Object.keys(value)) {
      if (foundKey(key)) return true;
      values.push((value as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return false;
}

const isNestingTooDeep = (value: unknown, depth: number) => depth >= MAX_NESTING && value !== null && typeof value === 'object' && !(value instanceof Date);
const holdsNul = (value: unknown) => typeof value === 'string' && value.includes('\u0000');
const isNulKey = (key: string) => key.includes('\u0000');
const never = () => false;

/** The path (top-level key first) of a value nested deeper than MAX_NESTING, if any. Iterative: no recursion. */
export function tooDeepPath(input: unknown): string[] | null {
  if (!anyValue(input, isNestingTooDeep, never)) return null;
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object' || value instanceof Date) continue;
    if (path.length >= MAX_NESTING) return path;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...path, key] });
  }
  return null;
}

function nulCharacterErrors(input: unknown): FieldErrors {
  if (!anyValue(input, holdsNul, isNulKey)) return {};
  const errors = new ErrorMap();
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        errors.add(path.join('.') || 'input', `The ${attributeName(path.at(-1) ?? 'input')} field must not contain NUL characters.`);
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) errors.add([...path, 'key'].join('.'), 'Field names must not contain NUL characters.');
        else stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return errors.toObject();
}

export function toFieldErrors(issues: readonly z.core.$ZodIssue[], input: unknown): FieldErrors {
  const errors = new ErrorMap();
  const add = (path: PropertyKey[], message: string) => errors.add(path.map(String).join('.'), message);
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], `The ${attributeName(key)} field is prohibited.`);
      continue;
    }
    const last = issue.path.at(-1);
    // An array element is named like Laravel does: "selected fields.0".
    const attribute =
      typeof last === 'number' && issue.path.length > 1
        ? `${attributeName(String(issue.path.at(-2)))}.${last}`
        : attributeName(last === undefined ? 'input' : String(last));
    add(issue.path, laravelMessage(issue, attribute, valueAt(input, issue.path)));
  }
  return errors.toObject();
}

/** `first_name` → "first name", `startsAt` → "starts at" (Laravel's :attribute). */
export function attributeName(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
}

function laravelMessage(issue: z.core.$ZodIssue, attribute: string, value: unknown): string {
  const the = `The ${attribute} field`;
  if (issue.code === 'custom' || issue.message.includes(':attribute')) return issue.message.replaceAll(':attribute', attribute);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined || value === null) return `${the} is required.`;
      switch (issue.expected) {
        case 'string':
          return `${the} must be a string.`;
        case 'int':
          return `${the} must be an integer.`;
        case 'number':
          return `${the} must be a number.`;
        case 'boolean':
          return `${the} must be true or false.`;
        case 'array':
          return `${the} must be an array.`;
        case 'object':
        case 'record':
          return `${the} must be an object.`;
        case 'date':
          return `${the} must be a valid date.`;
        default:
          return `${the} is invalid.`;
      }
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1 ? `${the} is required.` : `${the} must be at least ${issue.minimum} characters.`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `${the} must have at least ${issue.minimum} items.`;
      return `${the} must be at least ${issue.minimum}.`;
    case 'too_big':
      if (issue.origin === 'string') return `${the} must not be greater than ${issue.maximum} characters.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `${the} must not have more than ${issue.maximum} items.`;
      return `${the} must not be greater than ${issue.maximum}.`;
    case 'invalid_format':
      if (issue.format === 'email') return `${the} must be a valid email address.`;
      if (issue.format === 'url') return `${the} must be a valid URL.`;
      if (issue.format === 'uuid') return `${the} must be a valid UUID.`;
      if (issue.format === 'datetime' || issue.format === 'date') return `${the} must be a valid date.`;
      return `${the} format is invalid.`;
    case 'invalid_value':
      return `The selected ${attribute} is invalid.`;
    case 'not_multiple_of':
      return `${the} must be a multiple of ${issue.divisor}.`;
    default:
      return `${the} is invalid.`;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
