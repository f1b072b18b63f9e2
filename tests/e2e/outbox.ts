// Reading mail in the browser tests: the e2e server runs with ENVIRONMENT=test, so mail lands in the
// development outbox at /dev/outbox instead of being sent.
import { expect, type Page } from "@playwright/test";

/** The newest outbox message to `to` whose subject matches, as plain text. */
export async function readMail(page: Page, to: string, subject: RegExp): Promise<string> {
  await page.goto("/dev/outbox");
  const message = page.getByTestId("outbox-message").filter({ hasText: to }).filter({ hasText: subject }).first();
  await expect(message).toBeVisible();
  return message.innerText();
}
