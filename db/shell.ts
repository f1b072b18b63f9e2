// A SQL prompt on the app's database (the one in .dev.vars, or TURSO_DATABASE_URL/TURSO_AUTH_TOKEN).
//   npm run db:shell                                   -> interactive; end statements with ";"
//   npm run db:shell -- "select * from waitlist"       -> run one statement and print the rows
// (drizzle-kit studio needs its hosted web UI, which this offline setup cannot reach.)

import { createInterface } from "node:readline/promises";
import { createClient, type ResultSet } from "@libsql/client";
import { readDevVars } from "../scripts/dev-vars.ts";

const devVars = readDevVars();
const url = process.env.TURSO_DATABASE_URL ?? devVars.TURSO_DATABASE_URL;
if (!url) {
  console.error("No database: run `npm run dev` once (it creates .dev.vars), or set TURSO_DATABASE_URL.");
  process.exit(1);
}
const client = createClient({
  url,
  authToken: (process.env.TURSO_AUTH_TOKEN ?? devVars.TURSO_AUTH_TOKEN) || undefined,
});

function print(result: ResultSet) {
  if (result.columns.length === 0) {
    console.log(`ok, ${result.rowsAffected} row(s) changed`);
    return;
  }
  console.table(result.rows.map((row) => Object.fromEntries(result.columns.map((name, i) => [name, row[i]]))));
}

async function run(statement: string) {
  try {
    print(await client.execute(statement));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
  }
}

const oneShot = process.argv.slice(2).join(" ").trim();
if (oneShot) {
  await run(oneShot);
} else {
  console.log(
    `Connected to ${new URL(url).host}. End statements with ";", Ctrl-D to quit. Try: select * from waitlist;`,
  );
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  let buffer = "";
  prompt.setPrompt("sql> ");
  prompt.prompt();
  for await (const line of prompt) {
    buffer += `${line}\n`;
    if (buffer.trim().endsWith(";")) {
      await run(buffer.trim().replace(/;$/, ""));
      buffer = "";
    }
    prompt.setPrompt(buffer ? "...> " : "sql> ");
    prompt.prompt();
  }
}
client.close();
