// The business at a glance, for the dashboard: the few answers that say who the business is (name,
// logo, colours, voice, channels, budget), each in the form it is shown in, from the stored answers.
import { cards } from "./cards.ts";
import { describeAnswer } from "./describe-answer.ts";
import type { StoredAnswer } from "./profile.ts";

export interface ProfileGlance {
  name: string | null;
  logoImageId: string | null;
  colours: string[];
  voice: string[];
  channels: string[];
  budget: string | null;
}

/** Null until the business has answered at least one of the cards the glance shows. */
export function profileGlance(answers: ReadonlyMap<string, StoredAnswer>): ProfileGlance | null {
  const described = (cardId: string) => {
    const card = cards.find((candidate) => candidate.id === cardId);
    const answer = answers.get(cardId);
    if (!card || !answer || answer.skipped) return null;
    return describeAnswer(card, answer.value);
  };
  const glance: ProfileGlance = {
    name: described("business-name")?.lines[0]?.text ?? null,
    logoImageId: described("logo")?.imageIds[0] ?? null,
    colours: described("brand-images")?.colours ?? [],
    voice: described("voice")?.lines[0]?.chips ?? [],
    channels: described("channels")?.lines[0]?.chips ?? [],
    budget: described("budget")?.lines[0]?.text ?? null,
  };
  const empty =
    !glance.name &&
    !glance.logoImageId &&
    glance.budget === null &&
    [glance.colours, glance.voice, glance.channels].every((list) => list.length === 0);
  return empty ? null : glance;
}
