import { beforeAll, describe, expect, it } from "vitest";
import { devOutbox } from "../../db/schema.ts";
import { ensureInstance, send, testDb } from "../../tests/worker-helpers.ts";

beforeAll(ensureInstance);

describe("GET /dev/outbox", () => {
  it("lists stored mail newest first, with clickable links and escaped text", async () => {
    const marker = crypto.randomUUID();
    await testDb()
      .insert(devOutbox)
      .values({
        to: `older-${marker}@example.com`,
        subject: `Older ${marker}`,
        text: `Hello <b>there</b>\n\nOpen: http://localhost:5173/verify-email?token=${"a".repeat(32)}`,
        html: "<p>ignored</p>",
        createdAt: new Date(Date.now() - 1000),
      });
    await testDb()
      .insert(devOutbox)
      .values({
        to: `newer-${marker}@example.com`,
        subject: `Newer ${marker}`,
        text: "Plain",
        html: "",
        createdAt: new Date(),
      });

    const response = await send("/dev/outbox");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html.indexOf(`Newer ${marker}`)).toBeGreaterThan(-1);
    expect(html.indexOf(`Newer ${marker}`)).toBeLessThan(html.indexOf(`Older ${marker}`));
    expect(html).toContain(`newer-${marker}@example.com`);
    expect(html).toContain(`<a href="http://localhost:5173/verify-email?token=${"a".repeat(32)}"`);
    expect(html).toContain("Hello &lt;b&gt;there&lt;/b&gt;");
    expect(html).not.toContain("<b>there</b>");
  });

  it("does not exist outside development and tests", async () => {
    for (const ENVIRONMENT of ["production", "staging", ""]) {
      const response = await send("/dev/outbox", { ENVIRONMENT });
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).toContain("We couldn&#x27;t find that page");
      expect(html).not.toContain("Outbox");
      expect(
        (
          await send(
            new Request("http://localhost:5173/dev/outbox", {
              method: "POST",
              headers: { "Sec-Fetch-Site": "same-origin" },
            }),
            { ENVIRONMENT },
          )
        ).status,
      ).toBe(404);
    }
  });
});
