// Two browsers in one room: presence, typing, a message each way, Alva's answer streaming to both (and
// surviving a reload mid-answer), a second question waiting in Alva's queue, and the no-JavaScript form.
import { test } from "./browser-errors.ts";

import { expectSoon as expect, inviteTeammate, newPage, signedInUser, verifyEmail } from "./team.ts";

// Several accounts and browsers per test on a shared machine.
test.setTimeout(180_000);

test("two teammates chat live: presence, typing, a message each way", async ({ browser }) => {
  const owner = await signedInUser(browser, "owner");
  const mate = await inviteTeammate(browser, owner);
  await owner.page.goto("/chat");
  await expect(owner.page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await expect(mate.page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await expect(owner.page.getByTestId("online")).toContainText(mate.username);
  await expect(mate.page.getByTestId("online")).toContainText(owner.username);

  await mate.page.getByLabel("Message").pressSequentially("hel");
  await expect(owner.page.getByTestId("typing")).toContainText(`${mate.username} is typing`);
  await mate.page.getByLabel("Message").fill(`hello @${owner.username}`);
  await mate.page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(owner.page.getByTestId("messages")).toContainText(`hello @${owner.username}`);
  await expect(owner.page.getByTestId("messages").locator("mark", { hasText: `@${owner.username}` })).toBeVisible();

  await owner.page.getByLabel("Message").fill("hi **back**");
  await owner.page.getByLabel("Message").press("Enter");
  await expect(mate.page.getByTestId("messages").locator("strong", { hasText: "back" })).toBeVisible();

  // A reload shows the same conversation (stored, not just relayed)
  await mate.page.reload();
  await expect(mate.page.getByTestId("messages")).toContainText("hi back");
  await expect(mate.page.getByTestId("message")).toHaveCount(2);
});

test("both teammates watch Alva's answer stream in; a reload mid-answer shows all of it", async ({ browser }) => {
  const owner = await signedInUser(browser, "owner");
  const mate = await inviteTeammate(browser, owner);
  // Asking Alva is a paid model call: it waits for a verified address, like plans.
  await verifyEmail(owner.page, owner.email);
  await owner.page.goto("/chat");
  await expect(owner.page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await expect(mate.page.getByTestId("connection")).toHaveAttribute("data-state", "online");

  await owner.page.getByLabel("Message").fill("@alva what should we do first?");
  await owner.page.getByLabel("Message").press("Enter");
  // The offline demo model streams its answer in small pieces and says it is not an AI.
  await Promise.all(
    [owner.page, mate.page].map(async (page) => {
      const answer = page.locator('[data-answer="streaming"]');
      await expect(answer).toContainText("offline demo model, not an AI");
      await expect(answer.getByRole("button", { name: "Stop" })).toBeVisible();
    }),
  );
  await mate.page.reload();
  const done = (page: typeof owner.page) => page.locator('[data-answer="complete"]');
  await expect(done(owner.page)).toContainText("To chat with a real model");
  await expect(done(mate.page)).toContainText("To chat with a real model");
  const text = (page: typeof owner.page) => done(page).getByTestId("message-text").innerText();
  expect(await text(mate.page)).toBe(await text(owner.page));
});

test("a question asked while Alva answers waits in her queue and is answered next", async ({ browser }) => {
  const owner = await signedInUser(browser, "owner");
  await verifyEmail(owner.page, owner.email);
  const page = owner.page;
  await page.goto("/chat");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  await page.getByLabel("Message").fill("@alva first question");
  await page.getByLabel("Message").press("Enter");
  await expect(page.locator('[data-answer="streaming"]')).toBeVisible();
  await page.getByLabel("Message").fill("@alva second question");
  await page.getByLabel("Message").press("Enter");
  const second = page.getByTestId("message").filter({ hasText: "@alva second question" });
  await expect(second.getByTestId("alva-queued")).toHaveText("Waiting for Alva: she answers this next.");
  // No refusal: the question waits instead.
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.locator('[data-answer="complete"]')).toHaveCount(2, { timeout: 120_000 });
  await expect(second.getByTestId("alva-queued")).toHaveCount(0);
  // Each answer follows its question, in order.
  const order = await page
    .getByTestId("message")
    .evaluateAll((items) => items.map((item) => item.getAttribute("data-answer") ?? "question"));
  expect(order).toEqual(["question", "complete", "question", "complete"]);
});

test("without JavaScript the room renders on the server and the form posts a message", async ({ browser }) => {
  const owner = await signedInUser(browser, "owner");
  await owner.page.goto("/chat");
  await expect(owner.page.getByTestId("connection")).toHaveAttribute("data-state", "online");
  const noJs = await newPage(browser, false);
  await noJs.context().addCookies(await owner.page.context().cookies());
  await noJs.goto(owner.page.url());
  await expect(noJs.getByTestId("connection")).toHaveAttribute("data-state", "static");
  await noJs.getByLabel("Message").fill("sent from a plain form");
  await noJs.getByRole("button", { name: "Send", exact: true }).click();
  await expect(noJs.getByTestId("messages")).toContainText("sent from a plain form");
  // The live page got it through the same room
  await expect(owner.page.getByTestId("messages")).toContainText("sent from a plain form");
});
