/**
 * Microsoft's Adaptive Cards parser for card tests. The `adaptivecards` package's `lib/` is ES
 * modules with extensionless imports, which Node cannot load; its webpack bundle in `dist/` is a
 * UMD module that loads under Node and parses cards without a DOM (only rendering needs one).
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';

const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** Every problem Microsoft's parser reports for `card` read as version 1.5: parse events and validation failures. */
export function adaptiveCardProblems(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents)
    problems.push(`validate: ${event.message}`);
  return problems;
}
