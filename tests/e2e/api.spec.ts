// The JSON API against the production build, through the typed client in scripts/api-client.ts (the
// one the README points script authors to): sign in, refresh, answer a card, list plans, sign out.
import { expect, test } from "@playwright/test";
import { AlvaClient, ApiError } from "../../scripts/api-client.ts";

const password = "a long and private passphrase";

test("the typed client signs in, refreshes, answers a card, lists plans and signs out", async ({
  request,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  const username = `api_e2e_${Date.now().toString(36)}`;
  const signup = await request.post("/signup", {
    form: { username, email: `${username}@example.com`, password, confirmPassword: password },
    headers: { "Sec-Fetch-Site": "same-origin", "CF-Connecting-IP": ip },
    maxRedirects: 0,
  });
  expect(signup.status()).toBe(302);

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
