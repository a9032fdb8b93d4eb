import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkInput, MAX_NESTING, tooDeepPath } from '../../src/lib/validation.ts';

/** Nested `depth` levels: { a: { a: … 'leaf' } }. */
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nested(depth - 1) });
const anything = z.record(z.string(), z.unknown());

describe('the checks every input passes before its schema', () => {
  it('nesting: up to MAX_NESTING levels pass, one more is refused with its path', () => {
    expect(tooDeepPath(nested(MAX_NESTING))).toBeNull();
    expect(tooDeepPath({ x: [1, { y: 'z' }], d: new Date() })).toBeNull();
    expect(tooDeepPath(nested(MAX_NESTING + 1))).toEqual(Array(MAX_NESTING).fill('a'));
    expect(tooDeepPath({ ok: 1, list: [nested(MAX_NESTING)] })).toEqual(['list', '0', ...Array(MAX_NESTING - 2).fill('a')]);
  });

  it('NUL: in a string at any depth or in a key, each named; nothing else is', () => {
    expect(checkInput(anything, { name: 'Ada', tags: ['x', { y: 'z' }] })).toMatchObject({ success: true });
    expect(checkInput(anything, { name: 'A\u0000', deep: { list: ['ok', 'b\u0000'] }, ['k\u0000']: 'v' })).toEqual({
      success: false,
      errors: {
        name: ['The name field must not contain NUL characters.'],
        'deep.list.1': ['The 1 field must not contain NUL characters.'],
        key: ['Field names must not contain NUL characters.'],
      },
    });
  });
});
