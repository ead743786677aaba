// The web app checks forms without Ajv's compiled code (its CSP has no 'unsafe-eval'): the
// browser's schema backend must give the same error objects as Ajv on the server — same field,
// keyword, params and words, in the same order — or a village user and the designer would read
// other messages in the browser than the server gives. Held here against Ajv on every schema of
// every bundled flow, with generated data both valid and not.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ErrorObject } from 'ajv';
import * as server from '../../engine/schemaBackend.ts';
import * as browser from '../../engine/schemaBackend.browser.ts';
import { interpret } from '../../engine/schemaInterpreter.ts';
import type { Flow } from '../../engine/types.ts';
import { around } from '../schema-values.ts';

type Schema = Record<string, unknown>;
const flows: Flow[] = readdirSync('flows')
  .filter((f) => f.endsWith('.flow.json'))
  .map((f) => JSON.parse(readFileSync(`flows/${f}`, 'utf8')) as Flow);

/** Every schema the engine and the forms check against: each flow's data and each step's form. */
const schemas: [string, Schema][] = flows.flatMap((flow) => [
  [`${flow.id} data`, flow.data as Schema] as [string, Schema],
  ...Object.entries(flow.states).flatMap(([id, s]) => (s.form ? [[`${flow.id} ${id}`, s.form.schema as Schema] as [string, Schema]] : [])),
]);

/** The engine's flows are frozen: the browser backend must not write into a schema. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

const comparable = (errors: ErrorObject[] | null) =>
  (errors ?? []).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, params: e.params, message: e.message, propertyName: (e as { propertyName?: string }).propertyName }));

describe('the browser schema backend gives Ajv’s errors', () => {
  it.each(schemas)('%s', (_, schema) => {
    const frozen = deepFreeze(structuredClone(schema));
    const ajv = server.compileCheck(schema);
    const interpreted = browser.compileCheck(frozen);
    fc.assert(
      fc.property(around(schema, schema), (value) => {
        expect(comparable(interpreted(value))).toEqual(comparable(ajv(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('goes through the keywords and their order as Ajv does', () => {
    const cases: [Schema, unknown][] = [
      [{ type: 'string', minLength: 2, const: 'ab' }, 5],
      [{ type: 'integer', minimum: 3 }, 1.5],
      [{ type: ['string', 'null'], maxLength: 1 }, 'abc'],
      [{ type: 'array', items: { type: 'string' }, uniqueItems: true }, ['a', 'b', 'a', 'b']],
      [{ type: 'array', items: { type: 'object' }, uniqueItems: true }, [{ a: 1 }, { a: 1 }, 2, 2]],
      [{ type: 'array', items: [{ type: 'string' }], additionalItems: false }, [1, 2]],
      [{ type: 'array', contains: { const: 1 } }, [2, 3]],
      [{ required: ['a', 'b'], properties: { a: { type: 'string' } }, additionalProperties: false }, { a: 1, c: 2 }],
      [{ propertyNames: { pattern: '^[a-z]+$', maxLength: 3 } }, { Abcd: 1, ok: 2 }],
      [{ patternProperties: { '^x': { type: 'number' } }, additionalProperties: { type: 'string' } }, { x1: 'a', y: 2 }],
      [{ dependencies: { a: ['b', 'c'], d: { required: ['e'] } } }, { a: 1, d: 2 }],
      [{ if: { properties: { k: { const: 1 } } }, then: { required: ['t'] }, else: { required: ['e'] } }, { k: 1 }],
      [{ if: { properties: { k: { const: 1 } } }, then: { required: ['t'] }, else: { required: ['e'] } }, { k: 2 }],
      [{ oneOf: [{ type: 'number' }, { type: 'integer' }, { minimum: 0 }] }, 3],
      [{ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 3],
      [{ oneOf: [{ const: 'a' }, { const: 'b' }] }, 'c'],
      [{ anyOf: [{ type: 'string' }, { maxProperties: 0 }] }, { a: 1 }],
      [{ not: { type: 'string' }, enum: [1, 'x'] }, 'x'],
      [{ allOf: [{ maximum: 3 }, { exclusiveMinimum: 5 }], multipleOf: 2 }, 4.5],
      [{ $ref: '#/$defs/a', $defs: { a: { type: 'string', format: 'date' } } }, '2026-02-29'],
      [{ properties: { a: { $ref: '#/definitions/a', maxLength: 1 } }, definitions: { a: { type: 'string', format: 'date-time' } } }, { a: '2026-03-02T09:00:00' }],
      [{ minProperties: 2, maxProperties: 0 }, { a: 1 }],
      [{ properties: { a: false } }, { a: 1 }],
    ];
    for (const [schema, value] of cases) {
      expect(comparable(interpret(schema, value)), JSON.stringify([schema, value])).toEqual(comparable(server.compileCheck(schema)(value)));
    }
  });

  it('refuses the schemas Ajv refuses, in Ajv’s words', () => {
    const bad: unknown[] = [
      { type: 'strin' },
      { minLength: -1 },
      { type: 'object', required: 'a' },
      { pattern: '(' },
      { properties: { a: { patternProperties: { '[': { type: 'string' } } } } },
      { $ref: '#/$defs/missing' },
      { properties: { a: { $ref: '#/definitions/y' } } },
      { items: [{ $ref: 'other.json' }] },
      5,
    ];
    for (const schema of bad) {
      const words = (backend: typeof server | typeof browser) => {
        try {
          backend.compileCheck(schema);
          return 'accepted';
        } catch (error) {
          return (error as Error).message;
        }
      };
      // Once only: Ajv words a schema it failed to compile differently the second time.
      const ajvWords = words(server);
      expect(ajvWords).not.toBe('accepted');
      expect(words(browser), JSON.stringify(schema)).toBe(ajvWords);
    }
    for (const [, schema] of schemas) expect(() => browser.compileCheck(schema)).not.toThrow();
  });

  it('checks flow files with Ajv’s precompiled validator', () => {
    for (const flow of flows) {
      const broken = structuredClone(flow) as unknown as Record<string, unknown>;
      broken.id = 'Not Kebab';
      delete broken.initial;
      (broken.states as Record<string, Record<string, unknown>>)[Object.keys(flow.states)[0]!]!.entry = 'x';
      expect(browser.checkFlowShape(flow)).toBeNull();
      expect(comparable(browser.checkFlowShape(broken))).toEqual(comparable(server.checkFlowShape(broken)));
      expect(browser.checkFlowShape(broken)!.length).toBeGreaterThan(2);
    }
  });
});
