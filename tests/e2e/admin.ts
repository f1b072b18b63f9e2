// Making an admin for a spec: the e2e server has no admin (the wizard runs only on the fresh server), so
// a signed-up person is promoted in the server's database (its address: tests/e2e/serve.ts).
import { readFileSync } from "node:fs";
import { createClient } from "@libsql/client";
import { e2eDatabaseFile } from "./seed.ts";
import type { Person } from "./team.ts";

export async function makeAdmin(person: Person): Promise<Person> {
  const port = process.env.E2E_PORT ?? "8799";
  const { url, authToken } = JSON.parse(readFileSync(e2eDatabaseFile(port), "utf8")) as {
    url: string;
    authToken: string;
  };
  const client = createClient({ url, authToken });
  try {
    await client.execute({ sql: "UPDATE users SET role = 'admin' WHERE email = ?", args: [person.email] });
  } finally {
    client.close();
  }
  return person;
}
