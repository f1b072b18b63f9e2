// The relational data of Alva, stored in Turso (libSQL). Later features add their tables here;
// `npm run db:generate` turns changes into a migration under migrations/.
import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** People who asked to hear when Alva opens, from the landing page. One row per (lowercased) e-mail. */
export const waitlist = sqliteTable("waitlist", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").notNull().unique(),
  createdAt: integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`),
});
