// Temporary: screenshots and axe of the chat room with Alva (not committed).
import { readFileSync } from "node:fs";
import { test } from "@playwright/test";
import { expectSoon as expect, signedInUser } from "./team.ts";

test.setTimeout(300_000);
const axe = readFileSync("/tmp/axe/node_modules/axe-core/axe.min.js", "utf8");

test("shots", async ({ browser }) => {
  const owner = await signedInUser(browser, "shots");
  const page = owner.page;
  page.on("console", (m) => console.log("console", m.type(), m.text().slice(0, 500)));
  page.on("pageerror", (e) => console.log("pageerror", e.message.slice(0, 500)));
  page.on("websocket", (ws) => {
    console.log("ws open", ws.url());
    ws.on("framesent", (f) => console.log("sent", String(f.payload).slice(0, 200)));
    ws.on("close", () => console.log("ws closed", ws.url()));
  });
  await page.goto("/chat");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await page.getByLabel("Message").fill("Morning! Planning the week.");
  await page.getByLabel("Message").press("Enter");
  await page.getByLabel("Message").fill("@alva what should we do first?");
  await page.getByLabel("Message").press("Enter");
  await expect(page.locator('[data-answer="streaming"]')).toContainText("here is what");
  await page.screenshot({ path: "/work/shots/chat-streaming-1280-light.png", fullPage: true });
  await expect(page.locator('[data-answer="complete"]')).toBeVisible();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `/work/shots/chat-${width}-${scheme}.png`, fullPage: true });
    }
    await page.evaluate(axe);
    const result = await page.evaluate(async () => {
      // @ts-expect-error injected
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map(
        (v: any) =>
          `${v.id} (${v.impact}): ${v.nodes.length} — ${v.nodes
            .slice(0, 3)
            .map((n: any) => n.target.join(" "))
            .join(" | ")}`,
      );
    });
    console.log(scheme, "axe violations:", JSON.stringify(result, null, 1));
  }
  // The Ask Alva room
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: "light" });
  await page.getByRole("link", { name: "# Ask Alva" }).click();
  await expect(page.getByRole("heading", { name: "# Ask Alva" })).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await page.getByLabel("Message").fill("How do I get more reviews?");
  await page.getByLabel("Message").press("Enter");
  await expect(page.locator('[data-answer="streaming"]')).toBeVisible();
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.locator('[data-answer="stopped"]')).toBeVisible();
  await page.screenshot({ path: "/work/shots/ask-alva-stopped-1280-light.png", fullPage: true });
});
