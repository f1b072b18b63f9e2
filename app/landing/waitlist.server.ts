// The landing page's waitlist: one row per e-mail address, stored lowercased. Joining answers the same
// whether or not the address was already on the list (the list is nobody else's business), and each
// client may post only a few times (limits.server.ts, waitlistIp).
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

/** Adds `email` unless it is there already; the same single statement either way. */
export async function joinWaitlist(db: Database, email: string): Promise<void> {
  await db.insert(waitlist).values({ email }).onConflictDoNothing({ target: waitlist.email });
}
