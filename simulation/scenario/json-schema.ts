import { z } from 'zod';
import { lognormalSchema, rateProfileSchema, scenarioDocumentSchema } from './schema';

/**
 * The published JSON Schema of the Scenario document (docs/scenario.schema.json),
 * generated from the same definition the loader validates with. The two
 * shorthands the loader accepts are added by hand: a plain number as a
 * constant rate, and a latency without `distribution` (lognormal).
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioDocumentSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      const js = ctx.jsonSchema as Record<string, unknown>;
      if (ctx.zodSchema === rateProfileSchema) {
        const profiles = { ...js };
        for (const k of Object.keys(js)) delete js[k];
        js.anyOf = [{ type: 'number', minimum: 0, description: 'a constant rate in requests per second' }, profiles];
      }
      if (ctx.zodSchema === lognormalSchema && Array.isArray(js.required)) {
        js.required = (js.required as string[]).filter((k) => k !== 'distribution');
      }
    },
  }) as Record<string, unknown>;
  return {
    $id: 'https://gameday.dev/schemas/scenario-v1alpha1.json',
    title: 'GameDay Simulator Scenario (gameday.dev/v1alpha1)',
    ...schema,
  };
}
