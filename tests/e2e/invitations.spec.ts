// Inviting a teammate through the outbox to accepting, with JavaScript off on both sides.
import { test } from "./browser-errors.ts";

import { expectSoon as expect, inviteTeammate, signedInUser } from "./team.ts";

// Several accounts and browsers per test on a shared machine.
test.setTimeout(180_000);

test("an owner invites a teammate without an account; they sign up and join (no JavaScript)", async ({ browser }) => {
  const owner = await signedInUser(browser, "owner", false);
  const mate = await inviteTeammate(browser, owner, false);
  await mate.page.goto("/workspaces");
  await expect(mate.page.getByTestId("workspaces")).toContainText(`${owner.username}'s business`);
  await owner.page.goto("/workspaces");
  await owner.page.getByRole("link", { name: "Members" }).first().click();
  await expect(owner.page.getByTestId("members")).toContainText(mate.username);
});
