// Muting someone in a room (decision 0101): the durations a moderator can choose, shared by the room
// page's form and the action that reads it.
export const muteDurations = ["10", "60", "1440", "10080"] as const;
export type MuteDuration = (typeof muteDurations)[number];

export const muteLabels: Record<MuteDuration, string> = {
  "10": "10 minutes",
  "60": "an hour",
  "1440": "a day",
  "10080": "a week",
};

/** "2026-11-30 19:40 UTC", the same on the server and in the browser. */
export function formatUntil(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
