// The JSON API against the production build, through the typed client in scripts/api-client.ts (the
// one the README points script authors to): sign in, refresh, answer a card, list plans, sign out.
import type { APIRequestContext } from "@playwright/test";
import { AlvaClient, ApiError } from "../../scripts/api-client.ts";
import { expect, test } from "./browser-errors.ts";

const password = "a long and private passphrase";

/** A new account made through the sign-up form, from its own client address; returns its username and address. */
async function signUp(request: APIRequestContext, prefix: string, ipBlock: number) {
  const ip = `10.${ipBlock}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  const username = `${prefix}_${Date.now().toString(36)}`;
  const signup = await request.post("/signup", {
    form: { username, email: `${username}@example.com`, password, confirmPassword: password },
    headers: { "Sec-Fetch-Site": "same-origin", "CF-Connecting-IP": ip },
    maxRedirects: 0,
  });
  expect(signup.status()).toBe(302);
  return { username, ip };
}

test("the typed client signs in, refreshes, answers a card, lists plans and signs out", async ({
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const { username, ip } = await signUp(request, "api_e2e", 77);

  const client = new AlvaClient(baseURL!, { headers: { "CF-Connecting-IP": ip } });
  const first = await client.signIn(username, password);
  const second = await client.refresh();
  expect(second.refreshToken).not.toBe(first.refreshToken);
  expect(second.sessionId).toBe(first.sessionId);

  expect(await client.me()).toMatchObject({ username, emailVerified: false });
  expect(await client.answerCard("business-name", { text: "E2E Bakery" })).toMatchObject({ answered: true });
  expect(await client.listPlans()).toEqual({ plans: [], nextCursor: null, jobs: [] });
  // Plans cost model calls: an unverified address is refused, as on the page.
  await expect(client.generatePlan()).rejects.toThrow(ApiError);

  await client.signOut();
  const stale = new AlvaClient(baseURL!, { headers: { "CF-Connecting-IP": ip } });
  await expect(stale.signIn(username, "not the password")).rejects.toMatchObject({ problem: { status: 401 } });
});

test("the API reference at /api/docs lists the operations and its console sends a request with a token", async ({
  page,
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const { username, ip } = await signUp(request, "api_docs", 78);
  const client = new AlvaClient(baseURL!, { headers: { "CF-Connecting-IP": ip } });
  const { accessToken } = await client.signIn(username, password);

  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { name: /Alva API/ })).toBeVisible();
  await expect(page.getByText("/api/v1/plans/jobs/{id}/cancel")).toBeVisible();
  await page.getByLabel("Access token").fill(accessToken);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("try-status")).toHaveText("200", { timeout: 30_000 });
  await expect(page.getByTestId("try-body")).toContainText(username);
  // Nothing the page does is blocked by the CSP: a violation is a console error, which fails the test
  // (browser-errors.ts).
});
