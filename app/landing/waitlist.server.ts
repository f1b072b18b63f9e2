// The landing page's waitlist: one row per e-mail address, stored lowercased.
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { waitlist } from "../../db/schema.ts";

export const waitlistForm = z.object({
  email: z
    .string({ error: "Enter your e-mail address." })
    .trim()
    .min(1, "Enter your e-mail address.")
    .max(254, "That address is too long.")
    .pipe(z.email("That doesn't look like an e-mail address.").transform((email) => email.toLowerCase())),
});

export type WaitlistOutcome = "joined" | "already-joined";

export async function joinWaitlist(db: Database, email: string): Promise<WaitlistOutcome> {
  const inserted = await db
    .insert(waitlist)
    .values({ email })
    .onConflictDoNothing({ target: waitlist.email })
    .returning({ id: waitlist.id });
  return inserted.length > 0 ? "joined" : "already-joined";
}
