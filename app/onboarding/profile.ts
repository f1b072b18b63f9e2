// The client profile: a versioned JSON document assembled from the onboarding answers. Plans and chat
// read it instead of the raw answers, so its shape is a contract: `profileSchema` describes it (and is
// served as JSON Schema at /onboarding/profile.schema.json). Bump PROFILE_SCHEMA_VERSION on any
// change that is not purely additive.
import { z } from "zod";
import { type Card, cards, sectionKeys, sections } from "./cards.ts";
import type { SectionKey } from "./sections.ts";

/** 2: amounts carry their currency (goals.monthlyBudget became { amount, currency }). */
export const PROFILE_SCHEMA_VERSION = 2;

/** A card whose answer has one field appears in the profile as that field's value, not a one-key object. */
function singleKey(card: Card): string | null {
  if (!(card.value instanceof z.ZodObject)) return null;
  const keys = Object.keys(card.value.shape);
  return keys.length === 1 ? keys[0]! : null;
}

function profileValueSchema(card: Card): z.ZodType {
  const key = singleKey(card);
  const inner = key ? ((card.value as z.ZodObject).shape[key] as z.ZodType) : card.value;
  const note = card.required ? "required" : "optional; null when skipped";
  return inner.nullable().describe(`${card.title} (card “${card.id}”, ${note}; null until answered)`);
}

const sectionSchemas = Object.fromEntries(
  sections.map((section) => [
    sectionKeys[section],
    z.object(
      Object.fromEntries(
        cards.filter((card) => card.section === section).map((card) => [card.profileKey, profileValueSchema(card)]),
      ),
    ),
  ]),
);

export const profileSchema = z
  .object({
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    updatedAt: z.iso.datetime().describe("When an answer last changed."),
    completeness: z.object({
      requiredAnswered: z.int().min(0),
      requiredTotal: z.int().min(0),
      answered: z.int().min(0).describe("Cards answered (required or optional), not counting skipped ones."),
      skipped: z.array(z.string()).describe("Ids of optional cards the user skipped."),
    }),
    ...sectionSchemas,
  })
  .describe("Alva client profile: what the onboarding questionnaire learned about a business.");

/** The sections' keys are built from the cards, so the type names them explicitly. */
export type ClientProfile = z.infer<typeof profileSchema> & Record<SectionKey, Record<string, unknown>>;

export function profileJsonSchema() {
  return {
    ...z.toJSONSchema(profileSchema, { target: "draft-2020-12" }),
    $id: `https://alva.app/schemas/client-profile/v${PROFILE_SCHEMA_VERSION}.json`,
    title: "Alva client profile",
  };
}

export interface StoredAnswer {
  cardId: string;
  value: unknown;
  skipped: boolean;
}

/** The profile for a set of answers (unknown card ids — from a removed card — are ignored). */
export function buildProfile(answers: Iterable<StoredAnswer>, updatedAt: Date): ClientProfile {
  const byCard = new Map<string, StoredAnswer>();
  for (const answer of answers) byCard.set(answer.cardId, answer);
  const document: Record<string, unknown> = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    updatedAt: updatedAt.toISOString(),
  };
  let requiredAnswered = 0;
  let answered = 0;
  const skipped: string[] = [];
  for (const section of sections) document[sectionKeys[section]] = {};
  for (const card of cards) {
    const answer = byCard.get(card.id);
    let value: unknown = null;
    if (answer?.skipped) skipped.push(card.id);
    else if (answer && answer.value !== null) {
      // A stored answer that no longer fits the card (the card changed) stays out of the profile.
      const parsed = card.value.safeParse(answer.value);
      if (parsed.success) {
        const key = singleKey(card);
        value = key ? (parsed.data as Record<string, unknown>)[key] : parsed.data;
        answered++;
        if (card.required) requiredAnswered++;
      }
    }
    (document[sectionKeys[card.section]] as Record<string, unknown>)[card.profileKey] = value;
  }
  document.completeness = {
    requiredAnswered,
    requiredTotal: cards.filter((card) => card.required).length,
    answered,
    skipped,
  };
  return profileSchema.parse(document) as ClientProfile;
}
