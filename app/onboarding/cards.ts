// The onboarding questionnaire as data: 26 cards, one focused question each, in seven sections.
// Each card has the fields its page renders (`fields`, plain data the browser gets through the loader)
// and the zod schema the server parses a submission with (`schema`, through conform). The stored
// answer is the schema's output; the client profile (profile.ts) is assembled from those outputs.
//
// Server-only in practice: route components get `publicCard(card)` from their loader, so zod never
// ships to the browser (a card page has a JavaScript budget of 150 KB gzipped).
import { z } from "zod";

import { currencies, legacyCurrency } from "./currencies.ts";
import type { FieldDef, Option, Section } from "./sections.ts";

export { type FieldDef, type Option, type Section, sectionKeys, sections } from "./sections.ts";

export interface Card {
  id: string;
  section: Section;
  /** The key of this card's answer inside its section of the profile. */
  profileKey: string;
  title: string;
  help: string;
  required: boolean;
  fields: FieldDef[];
  /** Parses a submission (conform coerces strings: "" → undefined, numbers, arrays). */
  schema: z.ZodObject;
  /** The stored answer's shape (the schema's output), JSON-Schema-friendly: no transforms. */
  value: z.ZodType;
  /** The form's starting values for a stored answer, when they differ from the answer's own shape. */
  formDefaults?: (answer: Record<string, unknown>) => Record<string, unknown>;
  /** The uploaded images a stored answer points at, shown on the card as thumbnails. */
  storedImageIds?: (answer: Record<string, unknown>) => string[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

// ── Building blocks ─────────────────────────────────────────────────────────────────────────────

const requiredText = (max: number, empty: string) =>
  z.string({ error: empty }).trim().min(1, empty).max(max, `Keep it under ${max} characters.`);
const optionalText = (max: number) => z.string().trim().max(max, `Keep it under ${max} characters.`).optional();

/** A web address; "example.com" is read as https://example.com. Only http(s). */
const webAddress = (empty: string) =>
  z
    .string({ error: empty })
    .trim()
    .min(1, empty)
    .max(2000, "That address is too long.")
    .transform((text, ctx) => {
      const candidate = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
      let url: URL;
      try {
        url = new URL(candidate);
      } catch {
        ctx.addIssue({ code: "custom", message: "That doesn't look like a web address (e.g. https://example.com)." });
        return z.NEVER;
      }
      if ((url.protocol !== "https:" && url.protocol !== "http:") || !url.hostname.includes(".")) {
        ctx.addIssue({ code: "custom", message: "That doesn't look like a web address (e.g. https://example.com)." });
        return z.NEVER;
      }
      return url.href;
    });
const webAddressValue = z.url({ protocol: /^https?$/ });

const choice = (options: Option[], empty: string) =>
  z.enum(options.map((option) => option.value) as [string, ...string[]], { error: empty });
const choiceValue = (options: Option[]) => z.enum(options.map((option) => option.value) as [string, ...string[]]);

const multi = (options: Option[], { min, max, empty }: { min: number; max?: number; empty: string }) => {
  let list = z.array(choiceValue(options), { error: empty }).min(min, empty);
  if (max) list = list.max(max, `Pick at most ${max}.`);
  return list;
};

const number = (min: number, max: number, what: string, { integer = true }: { integer?: boolean } = {}) => {
  let value = z.number({
    error: (issue) => (issue.input === undefined ? `Enter ${what}.` : `Enter ${what} as a number.`),
  });
  if (integer) value = value.int("Use a whole number.");
  return value
    .min(min, `That can't be less than ${min}.`)
    .max(max, `That can't be more than ${max.toLocaleString("en")}.`);
};

/** A stored amount's form starts in its own currency, euros for answers saved before cards asked. */
const withCurrency = (answer: Record<string, unknown>) => ({ ...answer, currency: answer.currency ?? legacyCurrency });

/** The cards whose amounts carry a currency: a new answer on one starts in the other's currency. */
export const moneyCardIds = ["pricing", "budget"];

/** The currency an answered money card was saved in, if any (a skipped card has no value). */
export function answeredCurrency(answers: ReadonlyMap<string, { value: unknown }>): string | undefined {
  for (const id of moneyCardIds) {
    const value = answers.get(id)?.value;
    if (isRecord(value) && typeof value.currency === "string") return value.currency;
  }
  return undefined;
}

/** Several free-text cards share this shape: one text field called `text`. */
function textCard(
  base: Omit<Card, "fields" | "schema" | "value">,
  options: { label: string; placeholder?: string; max?: number; long?: boolean },
): Card {
  const max = options.max ?? (options.long ? 2000 : 200);
  const field: FieldDef = options.long
    ? { kind: "textarea", name: "text", label: options.label, placeholder: options.placeholder, maxLength: max }
    : { kind: "text", name: "text", label: options.label, placeholder: options.placeholder, maxLength: max };
  const empty = base.required ? "Please answer this one (it is required)." : "Type an answer, or skip this card.";
  const schema = z.object({ text: requiredText(max, empty) });
  return { ...base, fields: [field], schema, value: z.object({ text: z.string().max(max) }) };
}

// ── Options ─────────────────────────────────────────────────────────────────────────────────────

const stages: Option[] = [
  { value: "idea", label: "Idea — not selling yet" },
  { value: "launching", label: "Launching — first customers" },
  { value: "growing", label: "Growing — steady sales, want more" },
  { value: "established", label: "Established — years in, known locally or in a niche" },
];
const pricingModels: Option[] = [
  { value: "one-off", label: "One-off purchase" },
  { value: "subscription", label: "Subscription" },
  { value: "hourly", label: "Hourly or daily rate" },
  { value: "project", label: "Per project or quote" },
  { value: "freemium", label: "Free tier, paid upgrades" },
  { value: "other", label: "Something else" },
];
const audiences: Option[] = [
  { value: "b2b", label: "Businesses (B2B)" },
  { value: "b2c", label: "Consumers (B2C)" },
  { value: "both", label: "Both" },
];
const onlinePlaces: Option[] = [
  { value: "google", label: "Google search" },
  { value: "instagram", label: "Instagram" },
  { value: "facebook", label: "Facebook" },
  { value: "tiktok", label: "TikTok" },
  { value: "linkedin", label: "LinkedIn" },
  { value: "youtube", label: "YouTube" },
  { value: "x", label: "X (Twitter)" },
  { value: "reddit", label: "Reddit or forums" },
  { value: "pinterest", label: "Pinterest" },
  { value: "email", label: "Their inbox (newsletters)" },
  { value: "marketplaces", label: "Marketplaces (Amazon, Etsy…)" },
  { value: "offline", label: "Mostly offline" },
];
const voices: Option[] = [
  "friendly",
  "professional",
  "playful",
  "bold",
  "calm",
  "expert",
  "warm",
  "witty",
  "premium",
  "down-to-earth",
  "inspiring",
  "straight-talking",
].map((word) => ({ value: word, label: word[0]!.toUpperCase() + word.slice(1) }));
const channels: Option[] = [
  { value: "website", label: "Website" },
  { value: "seo", label: "Search (SEO)" },
  { value: "search-ads", label: "Search ads" },
  { value: "social-organic", label: "Social media posts" },
  { value: "social-ads", label: "Social media ads" },
  { value: "email", label: "E-mail newsletter" },
  { value: "referrals", label: "Referrals and word of mouth" },
  { value: "events", label: "Events and markets" },
  { value: "partnerships", label: "Partnerships" },
  { value: "print", label: "Print, flyers, local press" },
  { value: "marketplaces", label: "Marketplaces" },
  { value: "none", label: "Nothing yet" },
];
const goals: Option[] = [
  { value: "leads", label: "More leads (enquiries, bookings)" },
  { value: "sales", label: "More sales" },
  { value: "awareness", label: "More people knowing us" },
  { value: "retention", label: "Customers coming back" },
];
const timelines: Option[] = [
  { value: "1-month", label: "In a month" },
  { value: "3-months", label: "In three months" },
  { value: "6-months", label: "In six months" },
  { value: "12-months", label: "In a year" },
];

export const MAX_COMPETITORS = 5;
export const MAX_BRAND_IMAGES = 10;
export const COLOUR_SLOTS = 5;

// ── The cards ───────────────────────────────────────────────────────────────────────────────────

const competitorRow = z
  .object({ name: optionalText(120), url: webAddress("").optional() })
  .refine((row) => row.name || !row.url, { path: ["name"], message: "Give this competitor a name." });

/**
 * A brand colour row of the form: its hex code, typed or set by the colour picker beside it (with
 * JavaScript). An emptied row is a removed colour; "1A2B3C", "#abc" and "#1a2b3c" are all accepted.
 */
const colourRow = z.object({
  hex: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return null;
      const digits = value.replace(/^#/, "").toLowerCase();
      if (/^[0-9a-f]{6}$/.test(digits)) return `#${digits}`;
      if (/^[0-9a-f]{3}$/.test(digits)) return `#${[...digits].map((digit) => digit + digit).join("")}`;
      ctx.addIssue({ code: "custom", message: "Enter a colour as a hex code, like #1a2b3c." });
      return z.NEVER;
    }),
});

export const cards: Card[] = [
  // Business
  textCard(
    {
      id: "business-name",
      section: "Business",
      profileKey: "name",
      required: true,
      title: "What is your business called?",
      help: "The name customers know you by.",
    },
    { label: "Business name", placeholder: "Rosa's Bakery", max: 120 },
  ),
  {
    id: "website",
    section: "Business",
    profileKey: "website",
    required: false,
    title: "Where can people find you online?",
    help: "Your website or the page you send people to (a shop, a social profile). Skip it if you have none yet.",
    fields: [{ kind: "url", name: "url", label: "Web address", placeholder: "https://example.com" }],
    schema: z.object({ url: webAddress("Type a web address, or skip this card.") }),
    value: z.object({ url: webAddressValue }),
  },
  textCard(
    {
      id: "industry",
      section: "Business",
      profileKey: "industry",
      required: true,
      title: "What industry are you in?",
      help: "In your own words: “bakery”, “B2B accounting software”, “wedding photography”.",
    },
    { label: "Industry", placeholder: "Artisan bakery", max: 120 },
  ),
  {
    id: "stage",
    section: "Business",
    profileKey: "stage",
    required: true,
    title: "Where is the business today?",
    help: "Plans differ a lot between a first launch and a business with years of customers.",
    fields: [{ kind: "choice", name: "stage", label: "Stage", options: stages }],
    schema: z.object({ stage: choice(stages, "Pick the stage closest to yours.") }),
    value: z.object({ stage: choiceValue(stages) }),
  },
  {
    id: "location",
    section: "Business",
    profileKey: "location",
    required: true,
    title: "Where are you, and whom can you serve?",
    help: "Where the business is based, and the area your customers come from (a town, a country, “worldwide, online”).",
    fields: [
      {
        kind: "text",
        name: "location",
        label: "Based in",
        placeholder: "Lyon, France",
        maxLength: 120,
        autoComplete: "address-level2",
      },
      {
        kind: "text",
        name: "serviceArea",
        label: "Service area",
        placeholder: "Greater Lyon; shipping across France",
        maxLength: 200,
      },
    ],
    schema: z.object({
      location: requiredText(120, "Say where the business is based."),
      serviceArea: requiredText(200, "Say where your customers are."),
    }),
    value: z.object({ location: z.string().max(120), serviceArea: z.string().max(200) }),
  },
  {
    id: "team-size",
    section: "Business",
    profileKey: "teamSize",
    required: false,
    title: "How many people work in the business?",
    help: "Counting yourself. Part-timers count.",
    fields: [{ kind: "number", name: "people", label: "Team size", unit: "people", min: 1, max: 100000 }],
    schema: z.object({ people: number(1, 100000, "the number of people") }),
    value: z.object({ people: z.int().min(1).max(100000) }),
  },

  // Offer
  textCard(
    {
      id: "offer",
      section: "Offer",
      profileKey: "whatYouSell",
      required: true,
      title: "What do you sell?",
      help: "Your main products or services, as you would explain them to a new customer.",
    },
    { label: "What you sell", placeholder: "Sourdough bread, pastries and celebration cakes to order.", long: true },
  ),
  {
    id: "pricing",
    section: "Offer",
    profileKey: "pricing",
    required: true,
    title: "How do you charge, and how much?",
    help: "The pricing model, and the range of a typical sale (roughly is fine).",
    fields: [
      { kind: "choice", name: "model", label: "Pricing model", options: pricingModels },
      { kind: "currency", name: "currency", label: "Currency", options: currencies },
      { kind: "money", name: "min", label: "From", min: 0, max: 10_000_000, step: 0.01 },
      { kind: "money", name: "max", label: "To", min: 0, max: 10_000_000, step: 0.01 },
    ],
    schema: z
      .object({
        model: choice(pricingModels, "Pick how you charge."),
        currency: choice(currencies, "Pick the currency you charge in."),
        min: number(0, 10_000_000, "the lowest price", { integer: false }),
        max: number(0, 10_000_000, "the highest price", { integer: false }),
      })
      .refine((price) => price.max >= price.min, { path: ["max"], message: "“To” should be at least “From”." }),
    value: z.object({
      model: choiceValue(pricingModels),
      min: z.number().min(0),
      max: z.number().min(0),
      /** Missing on answers saved before the card asked: those were euros. */
      currency: choiceValue(currencies).default(legacyCurrency),
    }),
    formDefaults: withCurrency,
  },
  textCard(
    {
      id: "difference",
      section: "Offer",
      profileKey: "difference",
      required: true,
      title: "What makes you different?",
      help: "Why someone picks you over the alternatives: quality, speed, price, a story, a guarantee.",
    },
    { label: "What makes you different", long: true },
  ),
  {
    id: "benefits",
    section: "Offer",
    profileKey: "topBenefits",
    required: false,
    title: "What are your top three benefits?",
    help: "What customers get out of buying from you, in their words if you can.",
    fields: [
      { kind: "text", name: "first", label: "First benefit", maxLength: 200 },
      { kind: "text", name: "second", label: "Second benefit", maxLength: 200 },
      { kind: "text", name: "third", label: "Third benefit", maxLength: 200 },
    ],
    schema: z.object({
      first: requiredText(200, "Give at least one benefit, or skip this card."),
      second: optionalText(200),
      third: optionalText(200),
    }),
    value: z.object({ first: z.string(), second: z.string().optional(), third: z.string().optional() }),
  },

  // Customers
  textCard(
    {
      id: "ideal-customer",
      section: "Customers",
      profileKey: "idealCustomer",
      required: true,
      title: "Who is your ideal customer?",
      help: "Describe one person (or company) you would love ten more of.",
    },
    { label: "Ideal customer", long: true },
  ),
  {
    id: "audience",
    section: "Customers",
    profileKey: "audience",
    required: true,
    title: "Do you sell to businesses, consumers, or both?",
    help: "This changes which channels and messages work.",
    fields: [{ kind: "choice", name: "audience", label: "You sell to", options: audiences }],
    schema: z.object({ audience: choice(audiences, "Pick one.") }),
    value: z.object({ audience: choiceValue(audiences) }),
  },
  textCard(
    {
      id: "problems",
      section: "Customers",
      profileKey: "problems",
      required: true,
      title: "What problems do your customers have?",
      help: "What is hard, annoying or missing for them before they find you.",
    },
    { label: "Their problems", long: true },
  ),
  {
    id: "online-places",
    section: "Customers",
    profileKey: "onlinePlaces",
    required: false,
    title: "Where do they spend time online?",
    help: "Pick every place you know or suspect your customers look.",
    fields: [{ kind: "multi", name: "places", label: "Places", options: onlinePlaces }],
    schema: z.object({ places: multi(onlinePlaces, { min: 1, empty: "Pick at least one, or skip this card." }) }),
    value: z.object({ places: z.array(choiceValue(onlinePlaces)) }),
  },
  {
    id: "buying-triggers",
    section: "Customers",
    profileKey: "buyingTriggers",
    required: false,
    title: "What makes them buy, or hesitate?",
    help: "The moment they decide, and what holds them back (price, trust, timing…).",
    fields: [
      { kind: "textarea", name: "buy", label: "What makes them buy", maxLength: 1000 },
      { kind: "textarea", name: "hesitate", label: "What makes them hesitate", maxLength: 1000 },
    ],
    schema: z
      .object({ buy: optionalText(1000), hesitate: optionalText(1000) })
      .refine((answer) => answer.buy || answer.hesitate, {
        path: ["buy"],
        message: "Answer at least one, or skip this card.",
      }),
    value: z.object({ buy: z.string().optional(), hesitate: z.string().optional() }),
  },

  // Competition
  {
    id: "competitors",
    section: "Competition",
    profileKey: "competitors",
    required: false,
    title: "Who are your main competitors?",
    help: `Up to ${MAX_COMPETITORS}, with a link if they have one. Businesses your customers compare you with.`,
    fields: [{ kind: "competitors", name: "competitors", label: "Competitors", rows: MAX_COMPETITORS }],
    schema: z.object({
      competitors: z
        .array(competitorRow.optional())
        .max(MAX_COMPETITORS, `At most ${MAX_COMPETITORS}.`)
        .optional()
        .transform((rows) => (rows ?? []).filter((row): row is { name: string; url?: string } => Boolean(row?.name)))
        .refine((rows) => rows.length > 0, "Name at least one competitor, or skip this card."),
    }),
    value: z.object({
      competitors: z
        .array(z.object({ name: z.string().max(120), url: webAddressValue.optional() }))
        .max(MAX_COMPETITORS),
    }),
  },
  textCard(
    {
      id: "positioning",
      section: "Competition",
      profileKey: "howYouDiffer",
      required: false,
      title: "How do you differ from them?",
      help: "What you do that they don't, or do better.",
    },
    { label: "How you differ", long: true },
  ),

  // Brand
  {
    id: "voice",
    section: "Brand",
    profileKey: "voice",
    required: false,
    title: "How does your brand sound?",
    help: "Pick up to four words for the voice of your posts, e-mails and website.",
    fields: [{ kind: "multi", name: "adjectives", label: "Voice", options: voices, max: 4 }],
    schema: z.object({
      adjectives: multi(voices, { min: 1, max: 4, empty: "Pick at least one word, or skip this card." }),
    }),
    value: z.object({ adjectives: z.array(choiceValue(voices)).max(4) }),
  },
  {
    id: "logo",
    section: "Brand",
    profileKey: "logo",
    required: false,
    title: "Upload your logo",
    help: "PNG, JPEG, WebP or GIF, up to 5 MB. A square version works best.",
    fields: [{ kind: "logo", name: "logo", label: "Logo" }],
    // The file itself is handled by the action (images.server.ts); this is what gets stored.
    schema: z.object({ imageId: z.string().min(1) }),
    value: z.object({ imageId: z.string() }),
    storedImageIds: (answer) => strings([answer.imageId]),
  },
  {
    id: "brand-images",
    section: "Brand",
    profileKey: "imagesAndColours",
    required: false,
    title: "Brand images and colours",
    help: `Up to ${MAX_BRAND_IMAGES} photos or graphics that show your style, and up to ${COLOUR_SLOTS} brand colours.`,
    fields: [
      {
        kind: "brand-images",
        name: "images",
        label: "Brand images",
        maxImages: MAX_BRAND_IMAGES,
        colourSlots: COLOUR_SLOTS,
      },
    ],
    // Images are handled by the action (kept ones + new uploads); colours are the rows that hold one,
    // each once, in the order given.
    schema: z.object({
      colours: z
        .array(colourRow.optional())
        .max(COLOUR_SLOTS)
        .optional()
        .transform((rows) => [...new Set((rows ?? []).flatMap((row) => (row?.hex ? [row.hex] : [])))]),
    }),
    value: z.object({
      imageIds: z.array(z.string()).max(MAX_BRAND_IMAGES),
      colours: z.array(z.string().regex(/^#[0-9a-f]{6}$/)).max(COLOUR_SLOTS),
    }),
    formDefaults: (answer) => ({ colours: strings(answer.colours).map((hex) => ({ hex })) }),
    storedImageIds: (answer) => strings(answer.imageIds),
  },

  // Channels
  {
    id: "channels",
    section: "Channels",
    profileKey: "inUse",
    required: false,
    title: "Which channels do you use today?",
    help: "Everything you do now, even occasionally.",
    fields: [{ kind: "multi", name: "channels", label: "Channels", options: channels }],
    schema: z.object({ channels: multi(channels, { min: 1, empty: "Pick at least one (or “Nothing yet”)." }) }),
    value: z.object({ channels: z.array(choiceValue(channels)) }),
  },
  {
    id: "what-worked",
    section: "Channels",
    profileKey: "results",
    required: false,
    title: "What has worked, and what has not?",
    help: "Anything you tried: what brought customers, what was a waste of time or money.",
    fields: [
      { kind: "textarea", name: "worked", label: "What worked", maxLength: 2000 },
      { kind: "textarea", name: "didNotWork", label: "What didn't", maxLength: 2000 },
    ],
    schema: z
      .object({ worked: optionalText(2000), didNotWork: optionalText(2000) })
      .refine((answer) => answer.worked || answer.didNotWork, {
        path: ["worked"],
        message: "Answer at least one, or skip this card.",
      }),
    value: z.object({ worked: z.string().optional(), didNotWork: z.string().optional() }),
  },

  // Goals
  {
    id: "primary-goal",
    section: "Goals",
    profileKey: "primaryGoal",
    required: true,
    title: "What is your primary goal?",
    help: "The one thing your marketing should do first.",
    fields: [{ kind: "choice", name: "goal", label: "Primary goal", options: goals }],
    schema: z.object({ goal: choice(goals, "Pick your primary goal.") }),
    value: z.object({ goal: choiceValue(goals) }),
  },
  {
    id: "targets",
    section: "Goals",
    profileKey: "targets",
    required: false,
    title: "What target, by when?",
    help: "A number you'd be happy with (“20 new customers a month”) and when you'd like to reach it.",
    fields: [
      { kind: "text", name: "target", label: "Target", placeholder: "20 new customers a month", maxLength: 200 },
      { kind: "choice", name: "timeline", label: "Timeline", options: timelines },
    ],
    schema: z.object({
      target: requiredText(200, "Describe a target, or skip this card."),
      timeline: choice(timelines, "Pick a timeline."),
    }),
    value: z.object({ target: z.string().max(200), timeline: choiceValue(timelines) }),
  },
  {
    id: "budget",
    section: "Goals",
    profileKey: "monthlyBudget",
    required: true,
    title: "What can you spend on marketing each month?",
    help: "Ads, tools, printing — money, not time. Zero is a fine answer.",
    fields: [
      { kind: "currency", name: "currency", label: "Currency", options: currencies },
      { kind: "money", name: "amount", label: "Monthly budget", per: "per month", min: 0, max: 10_000_000 },
    ],
    schema: z.object({
      currency: choice(currencies, "Pick the currency of your budget."),
      amount: number(0, 10_000_000, "an amount"),
    }),
    value: z.object({
      amount: z.int().min(0).max(10_000_000),
      /** Missing on answers saved before the card asked: those were euros. */
      currency: choiceValue(currencies).default(legacyCurrency),
    }),
    formDefaults: withCurrency,
  },
  {
    id: "time-and-constraints",
    section: "Goals",
    profileKey: "capacity",
    required: true,
    title: "How much time can you give it?",
    help: "Hours per week you (or your team) can spend on marketing, and anything else that limits you.",
    fields: [
      {
        kind: "number",
        name: "hoursPerWeek",
        label: "Time available",
        unit: "hours per week",
        min: 0,
        max: 168,
        step: 0.5,
      },
      {
        kind: "textarea",
        name: "constraints",
        label: "Other constraints (optional)",
        placeholder: "No video; busy season in December",
        maxLength: 1000,
      },
    ],
    schema: z.object({
      hoursPerWeek: number(0, 168, "the hours per week", { integer: false }),
      constraints: optionalText(1000),
    }),
    value: z.object({ hoursPerWeek: z.number().min(0).max(168), constraints: z.string().optional() }),
  },
];

export const cardCount = cards.length;
const byId = new Map(cards.map((card, index) => [card.id, { card, index }]));

export function findCard(id: string): { card: Card; index: number } | undefined {
  return byId.get(id);
}

/** What a card page needs to render, without the schemas (no zod in the browser). */
export function publicCard(card: Card) {
  return {
    id: card.id,
    section: card.section,
    title: card.title,
    help: card.help,
    required: card.required,
    fields: card.fields,
  };
}
export type PublicCard = ReturnType<typeof publicCard>;
