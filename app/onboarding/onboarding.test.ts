import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { clientProfiles, images, onboardingAnswers, workspaceMembers } from "../../db/schema.ts";
import { pngBytes } from "../../tests/support/images.ts";
import {
  createTestUser,
  ensureInstance,
  getAs,
  origin,
  postAs,
  send,
  signIn,
  type TestUser,
  testDb,
} from "../../tests/worker-helpers.ts";
import { TOO_LARGE_MESSAGE } from "../images/images.server.ts";
import { cards } from "./cards.ts";
import { currencyFromLocale } from "./currencies.ts";
import { currentWorkspace } from "./onboarding.server.ts";
import { type ClientProfile, profileSchema } from "./profile.ts";

beforeAll(ensureInstance);

/** A valid answer for every required card, as form fields. */
const requiredAnswers: Record<string, Record<string, string>> = {
  "business-name": { text: "Rosa's Bakery" },
  industry: { text: "Artisan bakery" },
  stage: { stage: "growing" },
  location: { location: "Lyon", serviceArea: "Greater Lyon" },
  offer: { text: "Sourdough bread and cakes" },
  pricing: { model: "one-off", currency: "EUR", min: "3", max: "60" },
  difference: { text: "Slow fermentation, local flour" },
  "ideal-customer": { text: "Families nearby who care about good bread" },
  audience: { audience: "b2c" },
  problems: { text: "Supermarket bread is bland" },
  "primary-goal": { goal: "sales" },
  budget: { currency: "EUR", amount: "300" },
  "time-and-constraints": { hoursPerWeek: "4", constraints: "" },
};

async function signedInUser(label = "onb"): Promise<{ user: TestUser; cookie: string; workspaceId: string }> {
  const user = await createTestUser({ label });
  const cookie = await signIn(user);
  const workspaceId = (await currentWorkspace(testDb(), user.id))!;
  return { user, cookie, workspaceId };
}

async function answerRows(workspaceId: string) {
  return testDb().select().from(onboardingAnswers).where(eq(onboardingAnswers.workspaceId, workspaceId));
}

async function storedProfile(workspaceId: string): Promise<ClientProfile> {
  const [row] = await testDb().select().from(clientProfiles).where(eq(clientProfiles.workspaceId, workspaceId));
  expect(row).toBeDefined();
  return JSON.parse(row!.document) as ClientProfile;
}

function multipartPost(path: string, cookie: string, form: FormData): Promise<Response> {
  return send(
    new Request(new URL(path, origin), {
      method: "POST",
      headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" },
      body: form,
      redirect: "manual",
    }),
  );
}

describe("the questionnaire", () => {
  it("has 26 cards with unique ids in seven sections, required and optional ones", () => {
    expect(cards).toHaveLength(26);
    expect(new Set(cards.map((card) => card.id)).size).toBe(26);
    expect(new Set(cards.map((card) => card.section)).size).toBe(7);
    expect(
      cards
        .filter((card) => card.required)
        .map((card) => card.id)
        .sort(),
    ).toEqual(Object.keys(requiredAnswers).sort());
  });

  it("sends anonymous visitors to sign in", async () => {
    const response = await send(new Request(new URL("/onboarding/stage", origin), { redirect: "manual" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/login?redirectTo=${encodeURIComponent("/onboarding/stage")}`);
    const post = await send(
      new Request(new URL("/onboarding/stage", origin), {
        method: "POST",
        headers: { "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded" },
        body: "stage=idea",
        redirect: "manual",
      }),
    );
    expect(post.status).toBe(302);
    expect(post.headers.get("Location")).toMatch(/^\/login/);
  });

  it("renders a card with its position, section and controls", async () => {
    const { cookie } = await signedInUser();
    const response = await getAs("/onboarding/audience", cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Card <!-- -->12<!-- --> of <!-- -->26");
    expect(html).toContain(">Customers</span>");
    expect(html).toContain("(required)");
    expect(html).not.toContain(">Skip</button>"); // required: no skip
    expect(html).toContain('href="/onboarding/ideal-customer"'); // back
    const optional = await (await getAs("/onboarding/website", cookie)).text();
    expect(optional).toContain(">Skip</button>");
    expect(optional).toContain("(optional)");
  });

  it("answers 404 for an unknown card, on GET and POST", async () => {
    const { cookie, workspaceId } = await signedInUser();
    expect((await getAs("/onboarding/no-such-card", cookie)).status).toBe(404);
    expect((await postAs("/onboarding/no-such-card", cookie, { text: "x" })).status).toBe(404);
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it("saves an answer and resumes at the first unanswered card", async () => {
    const { user, cookie, workspaceId } = await signedInUser();
    expect((await getAs("/onboarding", cookie)).headers.get("Location")).toBe("/onboarding/business-name");

    const saved = await postAs("/onboarding/business-name", cookie, { intent: "save", text: "  Rosa's Bakery  " });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe("/onboarding/website");
    const [row] = await answerRows(workspaceId);
    expect(row).toMatchObject({ cardId: "business-name", skipped: false, updatedBy: user.id });
    expect(JSON.parse(row!.value)).toEqual({ text: "Rosa's Bakery" });

    // Leaving and coming back resumes at the next card; the answered one shows what was saved.
    expect((await getAs("/onboarding", cookie)).headers.get("Location")).toBe("/onboarding/website");
    expect(await (await getAs("/onboarding/business-name", cookie)).text()).toContain('value="Rosa&#x27;s Bakery"');
  });

  it("keeps what was typed and shows the field error for bad input, saving nothing", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const response = await postAs("/onboarding/website", cookie, { intent: "save", url: "javascript:alert(1)" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That doesn&#x27;t look like a web address");
    expect(html).toContain('value="javascript:alert(1)"');
    expect(html).toContain('aria-invalid="true"');

    const pricing = await postAs("/onboarding/pricing", cookie, {
      intent: "save",
      model: "one-off",
      currency: "EUR",
      min: "50",
      max: "10",
    });
    expect(pricing.status).toBe(400);
    const pricingHtml = await pricing.text();
    expect(pricingHtml).toContain("“To” should be at least “From”.");
    expect(pricingHtml).toMatch(/name="min"[^>]*value="50"|value="50"[^>]*name="min"/);
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it.each([
    ["stage", { stage: "unicorn" }],
    ["stage", {}],
    ["budget", { amount: "lots" }],
    ["budget", { amount: "-5" }],
    ["budget", { amount: "1e400" }],
    ["team-size", { people: "2.5" }],
    ["business-name", { text: "x".repeat(5000) }],
    ["business-name", { text: "   " }],
    ["online-places", { places: "not-a-place" }],
    ["voice", { adjectives: ["friendly", "bold", "calm", "warm", "witty"] }],
    ["competitors", { "competitors[0].url": "https://example.com" }],
    ["competitors", { "competitors[9].name": "Too many", "competitors[__proto__].name": "x" }],
    ["time-and-constraints", { hoursPerWeek: "200" }],
  ] as [string, Record<string, string | string[]>][])(
    "refuses bad input on %s (%j) with a 400, never a 500",
    async (cardId, fields) => {
      const { cookie, workspaceId } = await signedInUser();
      const body = new URLSearchParams({ intent: "save" });
      for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
      const response = await send(
        new Request(new URL(`/onboarding/${cardId}`, origin), {
          method: "POST",
          headers: {
            Cookie: cookie,
            "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body,
          redirect: "manual",
        }),
      );
      expect(response.status).toBe(400);
      expect(await answerRows(workspaceId)).toHaveLength(0);
    },
  );

  it("refuses a body it cannot read, and an oversized one, without a 500", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const garbled = await send(
      new Request(new URL("/onboarding/industry", origin), {
        method: "POST",
        headers: {
          Cookie: cookie,
          "Sec-Fetch-Site": "same-origin",
          "Content-Type": "multipart/form-data; boundary=nope",
        },
        body: "this is not multipart",
        redirect: "manual",
      }),
    );
    expect(garbled.status).toBe(400);
    const huge = await postAs("/onboarding/industry", cookie, { intent: "save", text: "x".repeat(300 * 1024) });
    expect(huge.status).toBe(413);
    // Without a Content-Length (chunked), counted as it arrives.
    const chunk = new TextEncoder().encode(`intent=save&text=${"y".repeat(64 * 1024)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 6; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await send(
      new Request(new URL("/onboarding/industry", origin), {
        method: "POST",
        headers: {
          Cookie: cookie,
          "Sec-Fetch-Site": "same-origin",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: stream,
        redirect: "manual",
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it("saves multi-select, number and nested answers in their typed shape", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const body = new URLSearchParams([
      ["intent", "save"],
      ["places", "instagram"],
      ["places", "google"],
    ]);
    const multi = await send(
      new Request(new URL("/onboarding/online-places", origin), {
        method: "POST",
        headers: {
          Cookie: cookie,
          "Sec-Fetch-Site": "same-origin",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
        redirect: "manual",
      }),
    );
    expect(multi.status).toBe(302);
    expect((await postAs("/onboarding/online-places", cookie, { intent: "save", places: "tiktok" })).status).toBe(302); // one box ticked
    expect(
      (await postAs("/onboarding/budget", cookie, { intent: "save", currency: "EUR", amount: "250" })).status,
    ).toBe(302);
    const competitors = await postAs("/onboarding/competitors", cookie, {
      intent: "save",
      "competitors[0].name": "Paul",
      "competitors[0].url": "paul.fr",
      "competitors[1].name": "",
      "competitors[1].url": "",
      "competitors[2].name": "Le Fournil",
    });
    expect(competitors.status).toBe(302);
    const profile = await storedProfile(workspaceId);
    expect(profile.customers.onlinePlaces).toEqual(["tiktok"]);
    expect(profile.goals.monthlyBudget).toEqual({ amount: 250, currency: "EUR" });
    expect(profile.competition.competitors).toEqual([
      { name: "Paul", url: "https://paul.fr/" },
      { name: "Le Fournil" },
    ]);
    expect(profileSchema.safeParse(profile).success).toBe(true);
  });
});

describe("skipping", () => {
  it("skips an optional card, recording it as skipped", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const response = await postAs("/onboarding/website", cookie, { intent: "skip", url: "ignored" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/onboarding/industry");
    const [row] = await answerRows(workspaceId);
    expect(row).toMatchObject({ cardId: "website", skipped: true, value: "null" });
    expect((await storedProfile(workspaceId)).completeness.skipped).toEqual(["website"]);
  });

  it("refuses to skip a required card", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const response = await postAs("/onboarding/business-name", cookie, { intent: "skip" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("This card is required, so it can&#x27;t be skipped.");
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });
});

describe("the client profile", () => {
  it("changes when an answer is revisited and changed", async () => {
    const { cookie, workspaceId } = await signedInUser();
    await postAs("/onboarding/business-name", cookie, { intent: "save", text: "First name" });
    expect((await storedProfile(workspaceId)).business.name).toBe("First name");
    const changed = await postAs("/onboarding/business-name", cookie, {
      intent: "save",
      text: "Second name",
      return: "summary",
    });
    expect(changed.headers.get("Location")).toBe("/onboarding/summary"); // edited from the summary: back there
    const profile = await storedProfile(workspaceId);
    expect(profile.business.name).toBe("Second name");
    expect(profile.schemaVersion).toBe(2);
    expect(await answerRows(workspaceId)).toHaveLength(1);
  });

  it("ignores a workspaceId in the form: answers land only in the user's own workspace", async () => {
    const victim = await signedInUser("victim");
    const attacker = await signedInUser("attacker");
    const response = await postAs("/onboarding/business-name", attacker.cookie, {
      intent: "save",
      text: "Hijacked",
      workspaceId: victim.workspaceId,
      workspace_id: victim.workspaceId,
    });
    expect(response.status).toBe(302);
    expect(await answerRows(victim.workspaceId)).toHaveLength(0);
    const [row] = await answerRows(attacker.workspaceId);
    expect(row).toMatchObject({ cardId: "business-name" });
    expect(
      await testDb().select().from(clientProfiles).where(eq(clientProfiles.workspaceId, victim.workspaceId)),
    ).toHaveLength(0);
  });

  it("only the owned workspace counts as the user's", async () => {
    const { user, workspaceId } = await signedInUser();
    const other = await signedInUser("other");
    // Being a plain member of someone else's workspace does not make it the one onboarding writes to.
    await testDb()
      .insert(workspaceMembers)
      .values({ workspaceId: other.workspaceId, userId: user.id, role: "member", createdAt: new Date(0) });
    expect(await currentWorkspace(testDb(), user.id)).toBe(workspaceId);
  });

  it("downloads as a JSON attachment", async () => {
    const { cookie } = await signedInUser();
    await postAs("/onboarding/industry", cookie, { intent: "save", text: "Bakery" });
    const response = await getAs("/onboarding/profile.json", cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="alva-client-profile.json"');
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const document = await response.json();
    expect((profileSchema.parse(document) as ClientProfile).business.industry).toBe("Bakery");
    expect((await send(new Request(new URL("/onboarding/profile.json", origin), { redirect: "manual" }))).status).toBe(
      302,
    );
  });

  it("repairs a stale stored profile when it is downloaded", async () => {
    const { cookie, workspaceId } = await signedInUser();
    await postAs("/onboarding/industry", cookie, { intent: "save", text: "Bakery" });
    // As if a concurrent save had rebuilt the document without this answer.
    const stale = {
      ...(await storedProfile(workspaceId)),
      business: { ...(await storedProfile(workspaceId)).business, industry: null },
    };
    await testDb()
      .update(clientProfiles)
      .set({ document: JSON.stringify(stale) })
      .where(eq(clientProfiles.workspaceId, workspaceId));
    const document = (await (await getAs("/onboarding/profile.json", cookie)).json()) as ClientProfile;
    expect(document.business.industry).toBe("Bakery");
    expect((await storedProfile(workspaceId)).business.industry).toBe("Bakery");
  });

  it("serves its JSON Schema", async () => {
    const response = await send("/onboarding/profile.schema.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/schema+json; charset=utf-8");
    const schema = (await response.json()) as {
      $schema: string;
      type: string;
      properties: Record<string, { properties?: Record<string, unknown> }>;
      required: string[];
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "schemaVersion",
        "completeness",
        "business",
        "offer",
        "customers",
        "competition",
        "brand",
        "channels",
        "goals",
      ]),
    );
    expect(Object.keys(schema.properties.goals!.properties!)).toEqual([
      "primaryGoal",
      "targets",
      "monthlyBudget",
      "capacity",
    ]);
  });
});

describe("money", () => {
  it("reads the currency from the browser's language, and a region it implies", () => {
    expect(currencyFromLocale("en-GB,en;q=0.9")).toBe("GBP");
    expect(currencyFromLocale("de-CH")).toBe("CHF");
    expect(currencyFromLocale("fr")).toBe("EUR"); // French → France
    expect(currencyFromLocale("en")).toBe("USD"); // English → United States
    expect(currencyFromLocale("xx-QQ, ja;q=0.5")).toBe("JPY"); // the first one we know
    expect(currencyFromLocale("not a tag, *")).toBe("EUR");
    expect(currencyFromLocale(null)).toBe("EUR");
  });

  it("starts a new money card in the browser's currency, then in the currency already answered", async () => {
    const { cookie } = await signedInUser();
    const selected = (html: string) => html.match(/<option value="([A-Z]{3})" selected="">/)?.[1];
    const first = await (await getAs("/onboarding/pricing", cookie, { "Accept-Language": "en-GB" })).text();
    expect(selected(first)).toBe("GBP");
    expect(first).toContain("GBP — British pound");

    const pricing = { intent: "save", model: "hourly", currency: "CHF", min: "80", max: "120" };
    expect((await postAs("/onboarding/pricing", cookie, pricing)).status).toBe(302);
    const budget = await (await getAs("/onboarding/budget", cookie, { "Accept-Language": "en-GB" })).text();
    expect(selected(budget)).toBe("CHF");
  });

  it("stores the currency with every amount, in the profile too, and shows amounts in it", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const pricing = { intent: "save", model: "hourly", currency: "CHF", min: "80.5", max: "120" };
    expect((await postAs("/onboarding/pricing", cookie, pricing)).status).toBe(302);
    const budget = { intent: "save", currency: "JPY", amount: "30000" };
    expect((await postAs("/onboarding/budget", cookie, budget)).status).toBe(302);

    const profile = await storedProfile(workspaceId);
    expect(profile.offer.pricing).toEqual({ model: "hourly", currency: "CHF", min: 80.5, max: 120 });
    expect(profile.goals.monthlyBudget).toEqual({ amount: 30000, currency: "JPY" });
    const summary = await (await getAs("/onboarding/summary", cookie)).text();
    expect(summary).toContain("CHF\u00a080.50"); // Intl puts a no-break space after a code
    expect(summary).toContain("CHF\u00a0120");
    expect(summary).toContain("¥30,000 per month");
    // The form comes back in the stored currency.
    const card = await (await getAs("/onboarding/budget", cookie, { "Accept-Language": "en-US" })).text();
    expect(card).toContain('<option value="JPY" selected="">');
  });

  it("refuses a currency not on the list, keeping the amount typed", async () => {
    const { cookie, workspaceId } = await signedInUser();
    for (const currency of ["XXX", "", "eur"]) {
      const response = await postAs("/onboarding/budget", cookie, { intent: "save", currency, amount: "420" });
      expect(response.status, currency).toBe(400);
      const html = await response.text();
      expect(html).toContain("Pick the currency of your budget.");
      expect(html).toMatch(/name="amount"[^>]*value="420"|value="420"[^>]*name="amount"/);
    }
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it("reads an amount saved before cards asked for a currency as euros", async () => {
    const { cookie, workspaceId } = await signedInUser();
    await testDb()
      .insert(onboardingAnswers)
      .values({ workspaceId, cardId: "budget", value: JSON.stringify({ amount: 300 }), updatedAt: new Date() });
    const summary = await (await getAs("/onboarding/summary", cookie)).text();
    expect(summary).toContain("€300 per month");
    const profile = (await (await getAs("/onboarding/profile.json", cookie)).json()) as ClientProfile;
    expect(profile.goals.monthlyBudget).toEqual({ amount: 300, currency: "EUR" });
    const card = await (await getAs("/onboarding/budget", cookie, { "Accept-Language": "en-GB" })).text();
    expect(card).toContain('<option value="EUR" selected="">');
  });
});

describe("the summary", () => {
  it("shows completeness, edit links, and the plan button only once every required card is answered", async () => {
    const { cookie } = await signedInUser();
    await postAs("/onboarding/business-name", cookie, { intent: "save", text: "Rosa's Bakery" });
    let html = await (await getAs("/onboarding/summary", cookie)).text();
    expect(html).toContain(`1<!-- --> of <!-- -->13<!-- --> required cards answered`);
    expect(html).toContain('href="/onboarding/budget?return=summary"');
    expect(html).not.toContain("Generate my marketing plan");

    for (const [cardId, fields] of Object.entries(requiredAnswers)) {
      const response = await postAs(`/onboarding/${cardId}`, cookie, { intent: "save", ...fields });
      expect(response.status, cardId).toBe(302);
    }
    const summary = await getAs("/onboarding/summary", cookie);
    expect(summary.status).toBe(200);
    html = await summary.text();
    expect(html).toContain(`13<!-- --> of <!-- -->13<!-- --> required cards answered`);
    expect(html).toContain("Generate my marketing plan");
    // A real form now (the plan feature exists): it posts to the plans page's Generate action.
    expect(html).toMatch(/<form [^>]*action="\/plans"[^>]*>/);
    expect(html).toMatch(/<button type="submit"[^>]*>Generate my marketing plan<\/button>/);
    expect(html).toContain("Growing — steady sales, want more"); // choice shown by its label
    expect(html).toContain("€300 per month"); // the amount in its currency, with its unit
  });

  it("resumes at the summary once every card has an answer or a skip", async () => {
    const { cookie } = await signedInUser();
    for (const card of cards) {
      const fields = requiredAnswers[card.id];
      const response = await postAs(
        `/onboarding/${card.id}`,
        cookie,
        fields ? { intent: "save", ...fields } : { intent: "skip" },
      );
      expect(response.status, card.id).toBe(302);
    }
    expect((await getAs("/onboarding", cookie)).headers.get("Location")).toBe("/onboarding/summary");
  });
});

describe("logo and brand images", () => {
  it("uploads a logo, stores its id in the answer and shows it", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const form = new FormData();
    form.set("intent", "save");
    form.set("logo", new File([pngBytes(64, 64)], "../../x.png", { type: "image/png" }));
    const response = await multipartPost("/onboarding/logo", cookie, form);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/onboarding/brand-images");
    const [row] = await answerRows(workspaceId);
    const { imageId } = JSON.parse(row!.value) as { imageId: string };
    expect(typeof imageId).toBe("string");
    const [image] = await testDb().select().from(images).where(eq(images.id, imageId));
    expect(image).toMatchObject({ kind: "logo", workspaceId });
    expect((await storedProfile(workspaceId)).brand.logo).toBe(imageId);
    const page = await (await getAs("/onboarding/logo", cookie)).text();
    expect(page).toContain(`src="/images/${imageId}?size=thumb"`);

    // Next without a new file keeps it.
    const keep = new FormData();
    keep.set("intent", "save");
    expect((await multipartPost("/onboarding/logo", cookie, keep)).status).toBe(302);
    expect(JSON.parse((await answerRows(workspaceId))[0]!.value)).toEqual({ imageId });
  });

  it("refuses an oversized logo with a 413 and the message on the page", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const form = new FormData();
    form.set("intent", "save");
    form.set("logo", new File([new Uint8Array(6 * 1024 * 1024)], "big.png", { type: "image/png" }));
    const response = await multipartPost("/onboarding/logo", cookie, form);
    expect(response.status).toBe(413);
    expect(await response.text()).toContain(TOO_LARGE_MESSAGE.replaceAll("'", "&#x27;"));
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it("refuses a file that is not an image, and asks for a file when none is chosen", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const form = new FormData();
    form.set("intent", "save");
    form.set("logo", new File(["<svg xmlns='http://www.w3.org/2000/svg'/>"], "logo.png", { type: "image/png" }));
    expect((await multipartPost("/onboarding/logo", cookie, form)).status).toBe(415);
    const empty = new FormData();
    empty.set("intent", "save");
    const response = await multipartPost("/onboarding/logo", cookie, empty);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Choose an image file, or skip this card.");
    expect(await answerRows(workspaceId)).toHaveLength(0);
  });

  it("saves brand images and colours, keeping only images the answer already had", async () => {
    const { cookie, workspaceId } = await signedInUser();
    const other = await signedInUser("otherbrand");
    const first = new FormData();
    first.set("intent", "save");
    first.append("images", new File([pngBytes(40, 40)], "a.png", { type: "image/png" }));
    first.append("images", new File([pngBytes(50, 40)], "b.png", { type: "image/png" }));
    first.set("colours[0].hex", "#FF0000");
    first.set("colours[1].hex", ""); // the empty row a colour is added in: nothing
    first.set("colours[2].hex", "0a0"); // short form, no "#"
    first.set("colours[3].hex", "#ff0000"); // the same colour twice is kept once
    expect((await multipartPost("/onboarding/brand-images", cookie, first)).status).toBe(302);
    const saved = JSON.parse((await answerRows(workspaceId))[0]!.value) as { imageIds: string[]; colours: string[] };
    expect(saved.imageIds).toHaveLength(2);
    expect(saved.colours).toEqual(["#ff0000", "#00aa00"]);

    // The card shows each saved colour in its own row, plus one empty row to add another.
    const card = await (await getAs("/onboarding/brand-images", cookie)).text();
    expect(card.match(/data-testid="colour-row"/g)).toHaveLength(3);
    expect(card).toContain('value="#ff0000"');
    expect(card).toContain('value="#00aa00"');

    // A code that is not a colour is refused next to its row, and what was typed stays.
    const wrong = new FormData();
    wrong.set("intent", "save");
    wrong.set("colours[0].hex", "#ff0000");
    wrong.set("colours[1].hex", "rosé");
    const refused = await multipartPost("/onboarding/brand-images", cookie, wrong);
    expect(refused.status).toBe(400);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain("Enter a colour as a hex code, like #1a2b3c.");
    expect(refusedHtml).toContain('value="rosé"');
    expect(refusedHtml).toMatch(
      /aria-invalid="true"[^>]*aria-describedby="colour-1-error"|aria-describedby="colour-1-error"[^>]*aria-invalid/,
    );

    // Someone else's image id ticked as "keep" is not adopted; an unticked own image is dropped.
    const otherForm = new FormData();
    otherForm.set("intent", "save");
    otherForm.append("images", new File([pngBytes(30, 30)], "c.png", { type: "image/png" }));
    await multipartPost("/onboarding/brand-images", other.cookie, otherForm);
    const otherId = (JSON.parse((await answerRows(other.workspaceId))[0]!.value) as { imageIds: string[] })
      .imageIds[0]!;
    const second = new FormData();
    second.set("intent", "save");
    second.append("keepImage", saved.imageIds[1]!);
    second.append("keepImage", otherId);
    expect((await multipartPost("/onboarding/brand-images", cookie, second)).status).toBe(302);
    const after = JSON.parse((await answerRows(workspaceId))[0]!.value) as { imageIds: string[]; colours: string[] };
    expect(after).toEqual({ imageIds: [saved.imageIds[1]], colours: [] });
    const dropped = await testDb()
      .select()
      .from(images)
      .where(and(eq(images.id, saved.imageIds[0]!)));
    expect(dropped).toHaveLength(0); // the unticked image was deleted
  });
});
