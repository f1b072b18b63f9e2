// The offline demo model's plan: a marketing plan assembled deterministically from a client profile, with
// no AI involved. `scripts/demo-model.ts` serves it through an OpenAI-compatible API so local development
// exercises the same structured-output path as a real provider; its output must pass the server checks
// (plan-checks.ts) — budget lines add up exactly, dates inside the plan's 90 days, calendar channels taken
// from the channel strategy, `basedOn` naming only cards the profile answered.
//
// Same profile and start date → same plan: nothing here reads the clock or a random source.
import { cards, findCard, sectionKeys } from "../onboarding/cards.ts";
import { formatMoney, legacyCurrency } from "../onboarding/currencies.ts";
import type { ClientProfile } from "../onboarding/profile.ts";
import { profileBudget } from "./plan-checks.ts";
import { type PlanContent, type PlanSection, type PlanSectionKey, ROADMAP_WEEKS } from "./plan-schema.ts";

// ── Reading the profile ─────────────────────────────────────────────────────────────────────────

type Goal = "leads" | "sales" | "awareness" | "retention";
type Audience = "b2b" | "b2c" | "both";

/** What the plan reads from a profile, with every unanswered (or malformed) answer as null or empty. */
interface Facts {
  name: string;
  industry: string | null;
  stage: string | null;
  location: string | null;
  serviceArea: string | null;
  website: string | null;
  teamSize: number | null;
  offer: string | null;
  pricing: { model: string; min: number; max: number; currency: string } | null;
  difference: string | null;
  benefits: string[];
  idealCustomer: string | null;
  audience: Audience | null;
  problems: string | null;
  onlinePlaces: string[];
  buyTrigger: string | null;
  hesitation: string | null;
  competitors: string[];
  howYouDiffer: string | null;
  voice: string[];
  channelsInUse: string[];
  worked: string | null;
  didNotWork: string | null;
  goal: Goal | null;
  target: string | null;
  timeline: string | null;
  budget: number;
  currency: string;
  hoursPerWeek: number;
  constraints: string | null;
  answered: Set<string>;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const text = (value: unknown): string | null =>
  typeof value === "string" && value.trim() ? value.trim().replace(/\s+/g, " ") : null;
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(text).filter((item): item is string => item !== null) : [];
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]): T | null =>
  allowed.includes(value as T) ? (value as T) : null;

function readFacts(profile: ClientProfile): Facts {
  const business = record(profile.business);
  const offer = record(profile.offer);
  const customers = record(profile.customers);
  const competition = record(profile.competition);
  const goals = record(profile.goals);
  const pricing = record(offer.pricing);
  const location = record(business.location);
  const benefits = record(offer.topBenefits);
  const triggers = record(customers.buyingTriggers);
  const results = record(record(profile.channels).results);
  const targets = record(goals.targets);
  const capacity = record(goals.capacity);
  const { amount, currency } = profileBudget(profile);
  const answered = new Set(
    cards
      .filter((card) => {
        const value = record(record(profile)[sectionKeys[card.section]])[card.profileKey];
        return value !== null && value !== undefined;
      })
      .map((card) => card.id),
  );
  return {
    name: text(business.name) ?? "Your business",
    industry: text(business.industry),
    stage: text(business.stage),
    location: text(location.location),
    serviceArea: text(location.serviceArea),
    website: text(business.website),
    teamSize: num(business.teamSize),
    offer: text(offer.whatYouSell),
    pricing:
      text(pricing.model) && num(pricing.min) !== null && num(pricing.max) !== null
        ? {
            model: text(pricing.model)!,
            min: num(pricing.min)!,
            max: num(pricing.max)!,
            currency: text(pricing.currency) ?? legacyCurrency,
          }
        : null,
    difference: text(offer.difference),
    benefits: [benefits.first, benefits.second, benefits.third].map(text).filter((item) => item !== null),
    idealCustomer: text(customers.idealCustomer),
    audience: oneOf(customers.audience, ["b2b", "b2c", "both"] as const),
    problems: text(customers.problems),
    onlinePlaces: texts(customers.onlinePlaces),
    buyTrigger: text(triggers.buy),
    hesitation: text(triggers.hesitate),
    competitors: Array.isArray(competition.competitors)
      ? competition.competitors.map((row) => text(record(row).name)).filter((name) => name !== null)
      : [],
    howYouDiffer: text(competition.howYouDiffer),
    voice: texts(record(profile.brand).voice),
    channelsInUse: texts(record(profile.channels).inUse).filter((channel) => channel !== "none"),
    worked: text(results.worked),
    didNotWork: text(results.didNotWork),
    goal: oneOf(goals.primaryGoal, ["leads", "sales", "awareness", "retention"] as const),
    target: text(targets.target),
    timeline: text(targets.timeline),
    budget: Math.max(0, Math.round(amount)),
    currency,
    hoursPerWeek: Math.max(0, num(capacity.hoursPerWeek) ?? 0),
    constraints: text(capacity.constraints),
    answered,
  };
}

/** The label a card shows for one of its options ("growing" → "Growing — steady sales, want more"). */
function optionLabel(cardId: string, value: string): string {
  for (const field of findCard(cardId)?.card.fields ?? [])
    if ("options" in field) {
      const option = field.options.find((candidate) => candidate.value === value);
      if (option) return option.label;
    }
  return value;
}

// ── Text helpers ────────────────────────────────────────────────────────────────────────────────

/** At most `max` characters, cut at a word boundary. */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, "")}…`;
}
/** The first sentence of an answer, clipped, without its final full stop (for use inside a sentence). */
function gist(value: string, max = 140): string {
  const sentence = /^(.+?[.!?])(\s|$)/.exec(value)?.[1] ?? value;
  return clip(sentence.replace(/[.!]+$/, ""), max);
}
/** An answer inside a sentence: "A young family…" → "a young family…" (acronyms and names stay). */
function inSentence(value: string): string {
  return /^[A-Z][a-z]/.test(value) ? value[0]!.toLowerCase() + value.slice(1) : value;
}
const line = (value: string) => clip(value, 400);
const listing = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

// ── Dates ───────────────────────────────────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;
function parseStartDate(startDate: string): number {
  const time = Date.parse(`${startDate}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(startDate) ||
    Number.isNaN(time) ||
    new Date(time).toISOString().slice(0, 10) !== startDate
  )
    throw new Error(`The plan's start date must be a real date written YYYY-MM-DD, not "${startDate}".`);
  return time;
}
/** The plan's day `offset` (0 = the start date); every offset used here stays below PLAN_DAYS. */
const day = (start: number, offset: number) => new Date(start + offset * DAY_MS).toISOString().slice(0, 10);

// ── Splitting amounts ───────────────────────────────────────────────────────────────────────────

/**
 * Splits a whole number into whole parts proportional to `weights` (largest remainder), so the parts add
 * up exactly to `total`. Integer arithmetic only: no rounding drift, ties go to the earlier weight.
 */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  if (weights.length === 0) return [];
  if (sum === 0) return weights.map((_, index) => (index === 0 ? total : 0));
  const parts = weights.map((weight) => Math.floor((weight * total) / sum));
  const order = weights
    .map((weight, index) => ({ index, remainder: (weight * total) % sum }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  let left = total - parts.reduce((acc, part) => acc + part, 0);
  for (const { index } of order) {
    if (left === 0) break;
    parts[index]!++;
    left--;
  }
  return parts;
}

// ── Channels ────────────────────────────────────────────────────────────────────────────────────

interface ChannelSpec {
  name: string;
  /** Words in an instruction ("focus on insta") that name this channel. */
  keywords: string[];
  paid: boolean;
  /** Relative share of the budget. */
  weight: number;
  spend: string;
  why: string;
  tactics: (facts: Facts) => string[];
  formats: string[];
  /** Cadence at under 3, under 8, and 8+ hours a week. */
  cadence: [string, string, string];
  kpi: string;
  tool: string;
  setup: (facts: Facts) => string;
}

const offerShort = (facts: Facts) => (facts.offer ? inSentence(gist(facts.offer, 80)) : "what you sell");
const area = (facts: Facts) => facts.location ?? facts.serviceArea ?? "your area";

const catalog: Record<string, ChannelSpec> = {
  instagram: {
    name: "Instagram",
    keywords: ["instagram", "insta", "reels"],
    paid: false,
    weight: 15,
    spend: "Boosting the two best posts of the month",
    why: "Visual, local and where many consumers look for places and products like yours.",
    tactics: (facts) => [
      `Short Reels about ${offerShort(facts)}: behind the scenes, customers, results`,
      "Answer every comment and DM within a day",
      `Tag the location and use two or three hashtags people in ${area(facts)} follow`,
    ],
    formats: ["Reel", "Carousel post", "Story"],
    cadence: ["2 posts a week", "3 posts a week and daily Stories", "5 posts a week and daily Stories"],
    kpi: "Profile visits and DMs per week",
    tool: "Instagram Insights",
    setup: (facts) => `Complete the Instagram profile: bio with ${offerShort(facts)}, link, contact button`,
  },
  facebook: {
    name: "Facebook",
    keywords: ["facebook", "fb"],
    paid: false,
    weight: 10,
    spend: "Boosting event and offer posts to people nearby",
    why: "Local groups and pages are where many customers ask for recommendations.",
    tactics: (facts) => [
      `Join two local groups in ${area(facts)} and answer questions helpfully`,
      "Post offers and events as Facebook events",
      "Ask happy customers for a recommendation on the page",
    ],
    formats: ["Post with photo", "Event", "Short video"],
    cadence: ["1 post a week", "2 posts a week", "4 posts a week"],
    kpi: "Messages and event responses per week",
    tool: "Meta Business Suite",
    setup: () => "Update the Facebook page: hours, photos, call-to-action button",
  },
  tiktok: {
    name: "TikTok",
    keywords: ["tiktok"],
    paid: false,
    weight: 10,
    spend: "Spark Ads on the best-performing video",
    why: "Short, honest videos reach people who do not follow you yet.",
    tactics: (facts) => [
      `Film 30-second behind-the-scenes clips of ${offerShort(facts)}`,
      "Reply to comments with video answers",
      "Reuse each video as an Instagram Reel",
    ],
    formats: ["Short video", "Video reply"],
    cadence: ["2 videos a week", "3 videos a week", "5 videos a week"],
    kpi: "Views and profile visits per week",
    tool: "TikTok analytics",
    setup: () => "Set up a TikTok business account with the link to your site",
  },
  linkedin: {
    name: "LinkedIn",
    keywords: ["linkedin"],
    paid: false,
    weight: 15,
    spend: "A small Sponsored Content test for the best post",
    why: "Where business buyers check who you are and what you know before they reply.",
    tactics: (facts) => [
      `Post practical lessons about ${facts.problems ? inSentence(gist(facts.problems, 80)) : "your customers' problems"}`,
      "Comment thoughtfully on posts by ten ideal customers each week",
      "Turn each customer result into a short case post",
    ],
    formats: ["Text post", "Document carousel", "Case story"],
    cadence: ["2 posts a week", "3 posts a week", "4 posts a week and daily comments"],
    kpi: "Profile views and conversations started per week",
    tool: "LinkedIn analytics",
    setup: (facts) => `Rewrite the LinkedIn headline and about section around ${offerShort(facts)}`,
  },
  youtube: {
    name: "YouTube",
    keywords: ["youtube", "video"],
    paid: false,
    weight: 10,
    spend: "Editing help or a microphone",
    why: "People search YouTube for how-tos; a useful video keeps bringing viewers for months.",
    tactics: (facts) => [
      `Answer one customer question per video (${facts.problems ? gist(facts.problems, 60) : "what they ask most"})`,
      "Cut each video into Shorts",
      "Link the video from the website and newsletter",
    ],
    formats: ["How-to video", "Short"],
    cadence: ["1 video a month", "1 video every two weeks", "1 video a week"],
    kpi: "Watch time and subscribers per month",
    tool: "YouTube Studio",
    setup: () => "Set up the YouTube channel: banner, description, links",
  },
  pinterest: {
    name: "Pinterest",
    keywords: ["pinterest", "pins"],
    paid: false,
    weight: 10,
    spend: "Promoted pins for the best board",
    why: "People plan purchases on Pinterest; pins keep sending visitors for months.",
    tactics: (facts) => [
      `Create boards around ${offerShort(facts)}`,
      "Pin every new photo with a keyword-rich description",
      "Link pins to the matching page of the website",
    ],
    formats: ["Pin", "Idea pin"],
    cadence: ["5 pins a week", "10 pins a week", "15 pins a week"],
    kpi: "Outbound clicks per week",
    tool: "Pinterest analytics",
    setup: () => "Claim the website on Pinterest and create three boards",
  },
  x: {
    name: "X (Twitter)",
    keywords: ["twitter", " x "],
    paid: false,
    weight: 5,
    spend: "Nothing beyond time",
    why: "Useful for joining conversations in your field as they happen.",
    tactics: () => ["Share one useful tip a day", "Reply to people asking about your field", "Pin your best thread"],
    formats: ["Post", "Thread"],
    cadence: ["3 posts a week", "1 post a day", "2 posts a day"],
    kpi: "Replies and profile clicks per week",
    tool: "X analytics",
    setup: () => "Update the X profile and pin an introduction post",
  },
  communities: {
    name: "Communities and forums",
    keywords: ["reddit", "forum", "communit"],
    paid: false,
    weight: 5,
    spend: "Nothing beyond time",
    why: "Your customers ask for advice there; helpful answers build trust.",
    tactics: () => [
      "Answer two questions a week where your customers ask",
      "Share a guide when it truly helps",
      "Never post ads",
    ],
    formats: ["Helpful answer", "Guide post"],
    cadence: ["2 answers a week", "4 answers a week", "1 answer a day"],
    kpi: "Visits from communities per month",
    tool: "Website analytics (referrers)",
    setup: () => "Find the three communities where your customers ask questions",
  },
  googleBusiness: {
    name: "Google Business Profile",
    keywords: ["google business", "google maps", "maps", "reviews", "local"],
    paid: false,
    weight: 5,
    spend: "Printed review cards for the counter or deliveries",
    why: "People nearby search Google first; an active profile with reviews gets the call.",
    tactics: (facts) => [
      "Ask every happy customer for a review, and answer each one",
      `Post a weekly update about ${offerShort(facts)}`,
      "Add new photos every two weeks",
    ],
    formats: ["Google post", "Photo update"],
    cadence: ["1 post a week", "1 post a week and review replies", "2 posts a week and review replies"],
    kpi: "Calls, direction requests and reviews per month",
    tool: "Google Business Profile performance",
    setup: (facts) => `Claim and complete the Google Business Profile for ${facts.location ?? "your location"}`,
  },
  websiteSeo: {
    name: "Website and SEO",
    keywords: ["website", "seo", "search engine", "blog", "google search"],
    paid: false,
    weight: 15,
    spend: "Hosting, a booking or shop plug-in, and an SEO tool",
    why: "Every other channel sends people here: it has to answer questions and make the next step easy.",
    tactics: (facts) => [
      `Write one page per question customers ask about ${offerShort(facts)}`,
      "Put a clear call to action on every page",
      `Use the words customers use for ${facts.industry ? inSentence(facts.industry) : "what you do"} in titles`,
    ],
    formats: ["Blog article", "Landing page", "FAQ page"],
    cadence: ["1 article a month", "2 articles a month", "1 article a week"],
    kpi: "Visitors from search and enquiries from the site per month",
    tool: "Google Search Console and website analytics",
    setup: (facts) =>
      facts.website
        ? `Check ${facts.website} on a phone: speed, contact details, one clear call to action`
        : "Publish a one-page website with contact details and one clear call to action",
  },
  searchAds: {
    name: "Google search ads",
    keywords: ["search ads", "google ads", "adwords", "ppc", "sea"],
    paid: true,
    weight: 40,
    spend: "Search ads on the phrases people type when they are ready to buy",
    why: "Reaches people at the moment they search for what you sell.",
    tactics: (facts) => [
      `Bid on high-intent phrases for ${offerShort(facts)} in ${area(facts)}`,
      "Send each ad group to its own landing page",
      "Add negative keywords every week",
    ],
    formats: ["Ad copy refresh"],
    cadence: ["Always on, reviewed weekly", "Always on, reviewed twice a week", "Always on, reviewed daily"],
    kpi: "Cost per enquiry or sale",
    tool: "Google Ads conversion tracking",
    setup: () => "Set up conversion tracking before spending on search ads",
  },
  socialAds: {
    name: "Social ads",
    keywords: ["social ads", "meta ads", "facebook ads", "instagram ads", "paid social"],
    paid: true,
    weight: 35,
    spend: "Ads to people who look like your customers, and retargeting of site visitors",
    why: "Puts your best posts in front of people like your customers who do not follow you yet.",
    tactics: () => [
      "Promote the post that already performs best",
      "Retarget website visitors for 14 days",
      "Test two images and two headlines per campaign",
    ],
    formats: ["Ad creative"],
    cadence: ["One campaign a month", "Two campaigns a month", "Weekly creative refresh"],
    kpi: "Cost per result",
    tool: "Meta Ads Manager",
    setup: () => "Install the Meta pixel and define the audience of your best customers",
  },
  email: {
    name: "E-mail newsletter",
    keywords: ["email", "e-mail", "newsletter", "mailing"],
    paid: false,
    weight: 10,
    spend: "The newsletter tool's subscription",
    why: "The channel you own: people who opted in buy again and tell others.",
    tactics: (facts) => [
      "Offer something useful in exchange for the address",
      `Send one story and one offer about ${offerShort(facts)} per issue`,
      "Welcome new subscribers with a three-mail sequence",
    ],
    formats: ["Newsletter", "Welcome e-mail"],
    cadence: ["1 newsletter a month", "1 newsletter every two weeks", "1 newsletter a week"],
    kpi: "Subscribers, open and click rates",
    tool: "The newsletter tool's reports",
    setup: () => "Set up the newsletter tool and a sign-up form on the website",
  },
  referrals: {
    name: "Referrals",
    keywords: ["referral", "word of mouth", "recommend"],
    paid: false,
    weight: 10,
    spend: "A thank-you reward for customers who refer someone",
    why: "Happy customers are the most trusted voice; a simple ask multiplies word of mouth.",
    tactics: () => [
      "Ask for a referral at the moment a customer is happiest",
      "Give referrers and friends a small thank-you",
      "Track who referred whom",
    ],
    formats: ["Customer story", "Referral card"],
    cadence: ["Ask every customer", "Ask every customer", "Ask every customer"],
    kpi: "Referred customers per month",
    tool: "A referral column in the customer list",
    setup: () => "Write the referral ask and the thank-you",
  },
  events: {
    name: "Events and markets",
    keywords: ["event", "market", "fair", "workshop"],
    paid: false,
    weight: 20,
    spend: "Stall fees and samples",
    why: "Meeting people in person turns strangers into customers fast.",
    tactics: (facts) => [
      `Pick two events in ${area(facts)} where ideal customers go`,
      "Collect e-mail addresses at every event",
      "Follow up within 48 hours",
    ],
    formats: ["Event announcement", "Event recap"],
    cadence: ["1 event a month", "2 events a month", "1 event a week"],
    kpi: "Contacts collected and sales per event",
    tool: "A simple sign-up sheet",
    setup: () => "List the events of the next 90 days and book two",
  },
  partnerships: {
    name: "Partnerships",
    keywords: ["partner", "collab", "cross-promo"],
    paid: false,
    weight: 10,
    spend: "Co-marketing materials",
    why: "Businesses that serve the same customers can introduce you to them.",
    tactics: (facts) => [
      `List five businesses that serve ${facts.idealCustomer ? inSentence(gist(facts.idealCustomer, 60)) : "your customers"}`,
      "Propose one joint offer or event",
      "Swap newsletter mentions",
    ],
    formats: ["Partner feature", "Joint offer"],
    cadence: ["1 partner a month", "2 partners a month", "1 partner a week"],
    kpi: "Leads from partners per month",
    tool: "Partner codes or links",
    setup: () => "Draft the partnership pitch (one paragraph)",
  },
  print: {
    name: "Print and local press",
    keywords: ["print", "flyer", "poster", "press", "newspaper"],
    paid: false,
    weight: 20,
    spend: "Flyers, posters and one local press placement",
    why: "Reaches people nearby who are not online when they decide.",
    tactics: (facts) => [
      `Flyers with an offer code in places your customers visit in ${area(facts)}`,
      "Pitch one story to the local paper",
      "A poster in partner shops",
    ],
    formats: ["Flyer", "Press pitch"],
    cadence: ["1 print run a month", "2 print runs a month", "Weekly placements"],
    kpi: "Offer codes redeemed per month",
    tool: "Offer codes",
    setup: () => "Design one flyer with an offer code",
  },
  marketplaces: {
    name: "Marketplaces",
    keywords: ["marketplace", "etsy", "amazon", "ebay"],
    paid: true,
    weight: 15,
    spend: "Listing fees and promoted listings",
    why: "Buyers already search there with their wallet out.",
    tactics: (facts) => [
      `Rewrite the listings for ${offerShort(facts)} with the words buyers search`,
      "Add five photos per listing",
      "Answer questions within hours",
    ],
    formats: ["Listing update", "Promoted listing"],
    cadence: ["Weekly listing review", "Twice-weekly listing review", "Daily listing review"],
    kpi: "Marketplace orders and conversion rate",
    tool: "The marketplace's seller dashboard",
    setup: () => "Audit the listings: titles, photos, prices",
  },
};

const channelInUseToCatalog: Record<string, string> = {
  website: "websiteSeo",
  seo: "websiteSeo",
  "search-ads": "searchAds",
  "social-ads": "socialAds",
  email: "email",
  referrals: "referrals",
  events: "events",
  partnerships: "partnerships",
  print: "print",
  marketplaces: "marketplaces",
};
const onlinePlaceToCatalog: Record<string, string> = {
  google: "websiteSeo",
  instagram: "instagram",
  facebook: "facebook",
  tiktok: "tiktok",
  linkedin: "linkedin",
  youtube: "youtube",
  x: "x",
  reddit: "communities",
  pinterest: "pinterest",
  email: "email",
  marketplaces: "marketplaces",
  offline: "events",
};
const socialPlaces = ["instagram", "linkedin", "facebook", "tiktok", "youtube", "pinterest", "x"];

interface ChannelPick {
  spec: ChannelSpec;
  reasons: string[];
}

/** A channel named in a plan that is not in the catalogue (a hand edit, another model): generic advice. */
function genericSpec(name: string): ChannelSpec {
  return {
    name,
    keywords: [name.toLowerCase()],
    paid: false,
    weight: 10,
    spend: `Tools and small tests for ${name}`,
    why: `${name} is part of the current plan.`,
    tactics: () => [`Publish on ${name} on a fixed schedule`, "Reuse the best content from other channels"],
    formats: ["Post"],
    cadence: ["1 item a week", "2 items a week", "3 items a week"],
    kpi: `Results from ${name} per month`,
    tool: "Website analytics (referrers)",
    setup: () => `Set up ${name} and note today's numbers`,
  };
}

/** How many channels the time available can carry. */
const channelCount = (facts: Facts) => (facts.hoursPerWeek < 3 ? 3 : facts.hoursPerWeek < 8 ? 4 : 5);
const tier = (facts: Facts) => (facts.hoursPerWeek < 3 ? 0 : facts.hoursPerWeek < 8 ? 1 : 2);

/** The channels for a profile: what is in use and where customers are first, then sensible defaults. */
function pickChannels(facts: Facts): ChannelPick[] {
  const picks = new Map<string, ChannelPick>();
  const add = (key: string | undefined, reason: string) => {
    if (!key) return;
    const spec = catalog[key]!;
    if (spec.paid && facts.budget === 0) return;
    const pick = picks.get(key) ?? { spec, reasons: [] };
    if (!pick.reasons.includes(reason)) pick.reasons.push(reason);
    picks.set(key, pick);
  };
  const socialPlace = facts.onlinePlaces.find((place) => socialPlaces.includes(place));
  for (const channel of facts.channelsInUse) {
    if (channel === "social-organic")
      add(
        onlinePlaceToCatalog[socialPlace ?? (facts.audience === "b2b" ? "linkedin" : "instagram")],
        "You post there already.",
      );
    else add(channelInUseToCatalog[channel], "You use it already.");
  }
  for (const place of facts.onlinePlaces)
    add(onlinePlaceToCatalog[place], `Your customers spend time there (${optionLabel("online-places", place)}).`);
  const fit = `A good fit for ${facts.audience ? inSentence(optionLabel("audience", facts.audience)) : "your customers"}.`;
  const defaults =
    facts.audience === "b2b"
      ? ["linkedin", "websiteSeo", "email", "partnerships"]
      : facts.audience === "both"
        ? ["linkedin", "instagram", "websiteSeo", "email"]
        : ["instagram", "googleBusiness", "email", "websiteSeo"];
  if (facts.goal === "retention") defaults.unshift("email", "referrals");
  for (const key of defaults) if (picks.size < channelCount(facts)) add(key, fit);
  return [...picks.values()].slice(0, channelCount(facts));
}

/** The channels of an existing plan, in its order, matched by name to the profile's picks or the catalogue. */
function channelsOfPlan(plan: PlanContent, facts: Facts): ChannelPick[] {
  const fromProfile = pickChannels(facts);
  return plan.channelStrategy.channels.map(
    (channel) =>
      fromProfile.find((pick) => pick.spec.name === channel.channel) ?? {
        spec: Object.values(catalog).find((spec) => spec.name === channel.channel) ?? genericSpec(channel.channel),
        reasons: ["It is in the current plan."],
      },
  );
}

/** The channel an instruction names ("focus on Instagram"), among `available` or, if allowed, the catalogue. */
function namedChannel(instruction: string, available: ChannelPick[], anyChannel: boolean): ChannelPick | null {
  const wanted = ` ${instruction.toLowerCase()} `;
  const names = (spec: ChannelSpec) => [spec.name.toLowerCase(), ...spec.keywords];
  const inPlan = available.find((pick) => names(pick.spec).some((word) => wanted.includes(word)));
  if (inPlan || !anyChannel) return inPlan ?? null;
  const spec = Object.values(catalog).find((candidate) => names(candidate).some((word) => wanted.includes(word)));
  return spec ? { spec, reasons: ["You asked for it."] } : null;
}

// ── The plan ────────────────────────────────────────────────────────────────────────────────────

interface Context {
  facts: Facts;
  start: number;
  channels: ChannelPick[];
  /** The channel an instruction asked to focus on: first in every list, twice as often in the calendar. */
  focus: ChannelPick | null;
  /** A sentence quoting the instruction, added to the rewritten section. */
  note: string | null;
}

/** Card ids a section relies on, keeping only the ones the profile answered. */
const basedOn = (ctx: Context, ...ids: string[]) => ids.filter((id) => ctx.facts.answered.has(id));

const goalKpi: Record<Goal, { kpi: string; noun: string; cta: string }> = {
  leads: { kpi: "New enquiries and bookings per month", noun: "enquiries", cta: "Send us a message to book" },
  sales: { kpi: "Orders per month", noun: "orders", cta: "Order now" },
  awareness: { kpi: "People reached per month", noun: "people reached", cta: "Follow us for more" },
  retention: { kpi: "Returning customers per month", noun: "returning customers", cta: "Come back and see what's new" },
};
const goalOf = (facts: Facts) => goalKpi[facts.goal ?? "sales"];

/** Budget per channel (whole units, adding up to the budget) and the matching percentage shares. */
function budgetSplit(ctx: Context) {
  const weights = ctx.channels.map((pick) => pick.spec.weight * (pick === ctx.focus ? 2 : 1));
  const amounts = apportion(ctx.facts.budget, weights);
  const shares = ctx.facts.budget > 0 ? apportion(100, amounts) : amounts.map(() => 0);
  return { amounts, shares };
}

const stagePhrases: Record<string, string> = {
  idea: " is at the idea stage and",
  launching: " is launching and",
  growing: " is growing and",
  established: " is established and",
};

function executiveSummary(ctx: Context): PlanSection<"executiveSummary"> {
  const { facts } = ctx;
  const what = facts.industry
    ? `${facts.name} (${inSentence(facts.industry)}${facts.location ? `, ${facts.location}` : ""})`
    : facts.name;
  const stage = facts.stage ? (stagePhrases[facts.stage] ?? "") : "";
  const goal = facts.goal ? inSentence(optionLabel("primary-goal", facts.goal)) : "more customers";
  const target = facts.target ? ` toward "${clip(facts.target, 120)}"` : "";
  const channels = listing(ctx.channels.map((pick) => pick.spec.name));
  const sentences = [
    `${what}${stage} wants ${goal}${target}.`,
    `For the next 90 days the plan concentrates on ${channels}, with ${formatMoney(facts.budget, facts.currency)} a month and about ${facts.hoursPerWeek} hours a week.`,
    facts.difference ? `Every message leads with what sets you apart: ${inSentence(gist(facts.difference, 160))}.` : "",
    `Success means ${inSentence(goalOf(facts).kpi)} moving toward the target by week 12, checked every week.`,
    ctx.note ?? "",
    "(Assembled by Alva's offline demo model from your answers, not written by an AI.)",
  ];
  return {
    summary: sentences.filter(Boolean).join(" "),
    basedOn: basedOn(
      ctx,
      "business-name",
      "industry",
      "location",
      "stage",
      "difference",
      "primary-goal",
      "targets",
      "budget",
      "time-and-constraints",
    ),
  };
}

function situation(ctx: Context): PlanSection<"situation"> {
  const { facts } = ctx;
  const strengths = [
    facts.difference && `What sets you apart: ${gist(facts.difference, 200)}.`,
    ...facts.benefits.map((benefit) => `Customers get: ${gist(benefit, 200)}.`),
    facts.worked && `What has worked: ${gist(facts.worked, 200)}.`,
    facts.stage === "established" && "Years of customers and a reputation to build on.",
    facts.stage === "growing" && "Steady sales to build on.",
  ];
  const weaknesses = [
    facts.didNotWork && `What has not worked: ${gist(facts.didNotWork, 200)}.`,
    facts.hoursPerWeek < 3 &&
      `Little time for marketing (${facts.hoursPerWeek} hours a week): the plan keeps to few channels.`,
    facts.budget === 0 && "No paid budget: every channel runs on time, not money.",
    !facts.website && "No website to send people to yet.",
    (facts.stage === "idea" || facts.stage === "launching") &&
      "No track record yet: reviews and stories have to be earned first.",
  ];
  const unused = facts.onlinePlaces
    .filter((place) => !ctx.channels.some((pick) => pick.spec === catalog[onlinePlaceToCatalog[place] ?? ""]))
    .map((place) => optionLabel("online-places", place));
  const opportunities = [
    facts.problems &&
      `Content that answers your customers' problem ("${gist(facts.problems, 200)}") earns their trust.`,
    facts.serviceArea && `Reach across ${clip(facts.serviceArea, 150)}.`,
    unused.length > 0 && `Customers are also on ${listing(unused)}, for later.`,
    facts.buyTrigger && `People buy when ${inSentence(gist(facts.buyTrigger, 200))}.`,
    ctx.note,
  ];
  const threats = [
    facts.competitors.length > 0 &&
      `Competitors customers compare you with: ${listing(facts.competitors.map((name) => clip(name, 60)))}.`,
    facts.hesitation && `What makes people hesitate: ${gist(facts.hesitation, 200)}.`,
    facts.constraints && `Constraints: ${gist(facts.constraints, 200)}.`,
  ];
  const keep = (items: (string | false | null)[], fallback: string) => {
    const kept = items.filter((item): item is string => Boolean(item)).map(line);
    return kept.length > 0 ? kept : [fallback];
  };
  return {
    strengths: keep(strengths, "You know your customers first-hand: the plan builds on that."),
    weaknesses: keep(weaknesses, "No baseline numbers yet: week 1 measures them."),
    opportunities: keep(opportunities, "Customers who search for what you sell and do not know you yet."),
    threats: keep(threats, "Competitors customers compare you with (name them in your profile to sharpen this)."),
    basedOn: basedOn(
      ctx,
      "difference",
      "benefits",
      "what-worked",
      "stage",
      "time-and-constraints",
      "budget",
      "website",
      "problems",
      "location",
      "online-places",
      "buying-triggers",
      "competitors",
    ),
  };
}

function goals(ctx: Context): PlanSection<"goals"> {
  const { facts, start } = ctx;
  const goal = goalOf(facts);
  const top = ctx.focus ?? ctx.channels[0]!;
  const primary = facts.goal ? optionLabel("primary-goal", facts.goal) : "More customers";
  const longer = facts.timeline === "6-months" || facts.timeline === "12-months";
  const goalsList = [
    {
      goal: line(
        facts.target
          ? `${primary}: reach "${clip(facts.target, 150)}"${facts.timeline ? ` (${inSentence(optionLabel("targets", facts.timeline))})` : ""}${longer ? ", with a clear step toward it in these 90 days" : ""}`
          : `${primary}, measurably, within 90 days`,
      ),
      kpi: goal.kpi,
      baseline: "Unknown — measure in week 1",
      target: line(
        facts.target
          ? longer
            ? `Halfway to "${clip(facts.target, 150)}"`
            : clip(facts.target, 200)
          : `A quarter more ${goal.noun} than the week-1 baseline`,
      ),
      deadline: day(start, facts.timeline === "1-month" ? 27 : 83),
    },
    {
      goal: "Know the numbers: every channel tracked from week 2",
      kpi: "Channels with a weekly number recorded",
      baseline: "Not tracked yet",
      target: `${ctx.channels.length} of ${ctx.channels.length}`,
      deadline: day(start, 13),
    },
    {
      goal: line(`Make ${top.spec.name} a steady source of ${goal.noun}`),
      kpi: top.spec.kpi,
      baseline: "Unknown — measure in week 1",
      target: "Up by half from the week-1 number",
      deadline: day(start, 55),
    },
    {
      goal: "Publish on schedule",
      kpi: "Content calendar items published",
      baseline: "0",
      target: "Every item of the first four weeks",
      deadline: day(start, 27),
    },
  ];
  if (ctx.note) goalsList[0]!.goal = line(`${goalsList[0]!.goal} (${ctx.note})`);
  return { goals: goalsList, basedOn: basedOn(ctx, "primary-goal", "targets", "channels", "time-and-constraints") };
}

const personaNames = ["Camille", "Jonas", "Amira", "Luca", "Sofia", "Mateo", "Nora", "Elias", "Lea", "Ravi"];
/** A stable index from a string, so a business always gets the same persona names. */
function stableIndex(value: string, modulo: number): number {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % modulo;
}

function personas(ctx: Context): PlanSection<"personas"> {
  const { facts } = ctx;
  const first = stableIndex(facts.name, personaNames.length);
  const nameAt = (offset: number) => personaNames[(first + offset * 3) % personaNames.length]!;
  const where = ctx.channels.map((pick) => pick.spec.name);
  const priceObjection = facts.pricing
    ? `Is ${formatMoney(facts.pricing.max, facts.pricing.currency)} worth it compared with the alternatives?`
    : "Is it worth the price?";
  const list = [
    {
      name: `${nameAt(0)}, the ideal customer`,
      description: facts.idealCustomer
        ? clip(facts.idealCustomer, 1000)
        : `Someone who needs ${offerShort(facts)} and values ${facts.difference ? inSentence(gist(facts.difference, 100)) : "quality"}.`,
      needs: [
        facts.problems ? `A fix for: ${gist(facts.problems, 200)}` : `A reliable ${facts.industry ?? "provider"}`,
        ...facts.benefits.map((benefit) => gist(benefit, 200)),
      ].map(line),
      objections: [facts.hesitation ? gist(facts.hesitation, 200) : priceObjection].map(line),
      whereToReach: where,
    },
    {
      name: `${nameAt(1)}, the comparer`,
      description: `Knows they need ${offerShort(facts)} and is comparing options${facts.competitors.length > 0 ? ` such as ${listing(facts.competitors.slice(0, 3).map((name) => clip(name, 40)))}` : ""}. Decides on proof: reviews, examples, a clear price.`,
      needs: ["Proof it works: reviews, examples, results", "A clear price and next step"],
      objections: [priceObjection, "Switching takes effort."],
      whereToReach: where.slice(0, 2),
    },
  ];
  if (facts.audience === "both" || facts.audience === "b2b")
    list.push({
      name: `${nameAt(2)}, the business buyer`,
      description: `Buys ${offerShort(facts)} for a company${facts.serviceArea ? ` in ${clip(facts.serviceArea, 80)}` : ""}; needs to justify the choice to others.`,
      needs: ["Reliability and clear terms", "Something to show colleagues (a case, a quote)"],
      objections: ["Is this supplier big enough to depend on?"],
      whereToReach: where.includes("LinkedIn") ? ["LinkedIn", ...where.filter((name) => name !== "LinkedIn")] : where,
    });
  if (ctx.note) list[0]!.description = `${list[0]!.description} ${ctx.note}`;
  return {
    personas: list,
    basedOn: basedOn(
      ctx,
      "ideal-customer",
      "problems",
      "benefits",
      "buying-triggers",
      "pricing",
      "competitors",
      "audience",
    ),
  };
}

type VoiceStyle = (claim: string) => string;
const voiceStyles: Record<string, VoiceStyle> = {
  friendly: (claim) => `${claim} — and we'd love to show you.`,
  professional: (claim) => `${claim}. Reliable, on time, every time.`,
  playful: (claim) => `${claim}. Yes, really.`,
  bold: (claim) => `${claim}. No half measures.`,
  calm: (claim) => `${claim}, without the rush.`,
  expert: (claim) => `${claim}: we know this craft inside out.`,
  warm: (claim) => `${claim}, made with care for you.`,
  witty: (claim) => `${claim}. Your future self says thanks.`,
  premium: (claim) => `${claim}. For those who notice the difference.`,
  "down-to-earth": (claim) => `${claim}. Simple as that.`,
  inspiring: (claim) => `${claim}: imagine what comes next.`,
  "straight-talking": (claim) => `${claim}. No fluff.`,
};

function positioning(ctx: Context): PlanSection<"positioning"> {
  const { facts } = ctx;
  const who = facts.idealCustomer ? inSentence(gist(facts.idealCustomer, 160)) : "customers";
  const need = facts.problems ? ` (their problem: ${inSentence(gist(facts.problems, 160))})` : "";
  const category = facts.industry ? inSentence(gist(facts.industry, 80)) : "business";
  const difference = facts.difference ? inSentence(gist(facts.difference, 200)) : `${offerShort(facts)}, made simple`;
  const claims = [facts.difference, ...facts.benefits, facts.offer]
    .filter((claim): claim is string => Boolean(claim))
    .map((claim) => gist(claim, 200));
  if (claims.length === 0) claims.push(`${facts.name}: ${offerShort(facts)}`);
  const keyMessages = claims.slice(0, 4).map((claim, index) => {
    const style =
      voiceStyles[facts.voice[index % Math.max(facts.voice.length, 1)] ?? ""] ?? ((plain: string) => `${plain}.`);
    return line(style(claim));
  });
  keyMessages.push(line(`${goalOf(facts).cta}${facts.website ? ` at ${facts.website}` : ""}.`));
  if (facts.voice.length > 0) keyMessages.push(line(`Voice: ${listing(facts.voice)}, in every post, e-mail and page.`));
  if (ctx.note) keyMessages.push(line(ctx.note));
  return {
    statement: `For ${who}${need}, ${facts.name} is the ${category} with a difference: ${difference}.`,
    keyMessages,
    basedOn: basedOn(
      ctx,
      "business-name",
      "industry",
      "ideal-customer",
      "problems",
      "difference",
      "benefits",
      "offer",
      "voice",
      "website",
    ),
  };
}

function channelStrategy(ctx: Context): PlanSection<"channelStrategy"> {
  const { facts } = ctx;
  const { shares } = budgetSplit(ctx);
  return {
    channels: ctx.channels.map((pick, index) => ({
      channel: pick.spec.name,
      why: [pick.spec.why, ...pick.reasons, index === 0 ? (ctx.note ?? "") : ""].filter(Boolean).join(" "),
      tactics: pick.spec.tactics(facts).map(line),
      cadence: pick.spec.cadence[tier(facts)],
      budgetShare: shares[index]!,
      kpi: pick.spec.kpi,
    })),
    basedOn: basedOn(ctx, "channels", "online-places", "audience", "primary-goal", "budget", "time-and-constraints"),
  };
}

/** Each week's focus: foundations, launch, grow (the week's channels), optimise, review. */
function weekFocus(week: number, ctx: Context, channels: string[]): string {
  if (week <= 2) return "Foundations: measure where you stand, set up the channels, publish the first items";
  if (week <= 4) return "Launch: keep to the calendar and answer every reply within a day";
  if (week <= 8) return `Grow: ${listing([...new Set(channels)])}`;
  if (week <= 11) return `Optimise: more of what brings ${goalOf(ctx.facts).noun}, less of what does not`;
  return week === 12 ? "Check the numbers against the targets" : "Review the quarter and plan the next one";
}

function roadmap(ctx: Context): PlanSection<"roadmap"> {
  const { facts } = ctx;
  const goal = goalOf(facts);
  const order = ctx.channels; // a focused channel is already first
  const taskCount = facts.hoursPerWeek < 3 ? 2 : 3;
  // Half-hours per task, the first task the largest; an empty week still gets an hour's work.
  const halfHours = Math.max(2, Math.round(facts.hoursPerWeek * 2));
  const efforts = apportion(halfHours, taskCount === 2 ? [2, 1] : [2, 1, 1]).map((half) => Math.min(80, half / 2));
  // Weeks 1 and 2: the baseline, each channel's set-up and a voice guide, as many as the time allows.
  const foundations = [
    { title: `Write down this month's ${goal.noun} and each channel's numbers (the baseline)`, pick: order[0]! },
    ...order.map((pick) => ({ title: pick.spec.setup(facts), pick })),
  ];
  foundations.splice(3, 0, {
    title: `Write a one-page voice guide${facts.voice.length > 0 ? ` (${listing(facts.voice)})` : ""} with three example posts`,
    pick: order[0]!,
  });
  // Weeks 3 to 11 walk through the channels in turn, each channel through its own tactics in turn.
  const tacticsUsed = new Map<ChannelPick, number>();
  const nextTactic = (pick: ChannelPick) => {
    const used = tacticsUsed.get(pick) ?? 0;
    tacticsUsed.set(pick, used + 1);
    const tactics = pick.spec.tactics(facts);
    return { title: tactics[used % tactics.length]!, pick };
  };
  let slot = 0;
  const weeks = [];
  for (let week = 1; week <= ROADMAP_WEEKS; week++) {
    const tasks: { title: string; pick: ChannelPick }[] = [];
    if (week <= 2) tasks.push(...foundations.slice((week - 1) * taskCount, week * taskCount));
    else if (week === 12)
      tasks.push(
        {
          title: `Compare ${inSentence(goal.kpi)} with the target${facts.target ? ` "${clip(facts.target, 120)}"` : ""}`,
          pick: order[0]!,
        },
        { title: "List what worked and what did not, per channel", pick: order[1 % order.length]! },
      );
    else if (week === 13)
      tasks.push(
        { title: "Drop the weakest channel or tactic, double the strongest", pick: order[0]! },
        { title: "Draft the next 90 days from this quarter's numbers", pick: order[1 % order.length]! },
      );
    else
      for (let index = 0; index < taskCount; index++)
        tasks.push(nextTactic(ctx.focus && index === 0 ? ctx.focus : order[slot++ % order.length]!));
    const focus = weekFocus(
      week,
      ctx,
      tasks.map((task) => task.pick.spec.name),
    );
    weeks.push({
      week,
      focus: line(week === 1 && ctx.note ? `${focus} (${ctx.note})` : focus),
      tasks: tasks.map(({ title, pick }, index) => ({
        title: line(title),
        channel: pick.spec.name,
        effortHours: efforts[index] ?? efforts[efforts.length - 1]!,
      })),
    });
  }
  return { weeks, basedOn: basedOn(ctx, "channels", "time-and-constraints", "primary-goal", "targets", "voice") };
}

/** Days of the week (0 = the start date's weekday) that carry a calendar item, by time available. */
const publishingDays = [
  [1, 4],
  [0, 2, 4],
  [0, 1, 3, 5],
];

function contentCalendar(ctx: Context): PlanSection<"contentCalendar"> {
  const { facts, start } = ctx;
  const topics = [
    facts.offer && `What we offer: ${gist(facts.offer, 160)}`,
    facts.difference && `Why we're different: ${gist(facts.difference, 160)}`,
    facts.problems && `The problem we solve: ${gist(facts.problems, 160)}`,
    ...facts.benefits.map((benefit) => `What you get: ${gist(benefit, 160)}`),
    `Behind the scenes at ${facts.name}`,
    facts.hesitation ? `Answering a doubt: ${gist(facts.hesitation, 160)}` : "Frequently asked questions",
    "A customer's story, in their words",
    facts.serviceArea && `Serving ${clip(facts.serviceArea, 120)}`,
  ].filter((topic): topic is string => Boolean(topic));
  const rotation = ctx.focus
    ? ctx.channels.flatMap((pick) => (pick === ctx.focus ? [pick] : [ctx.focus!, pick]))
    : ctx.channels;
  const cta = `${goalOf(facts).cta}${facts.website ? ` — ${facts.website}` : ""}`;
  const items = [];
  let index = 0;
  for (let week = 0; week < 4; week++)
    for (const weekday of publishingDays[tier(facts)]!) {
      const pick = rotation[index % rotation.length]!;
      items.push({
        date: day(start, week * 7 + weekday),
        channel: pick.spec.name,
        format: pick.spec.formats[Math.floor(index / rotation.length) % pick.spec.formats.length]!,
        topic: line(topics[index % topics.length]!),
        callToAction: line(cta),
      });
      index++;
    }
  if (ctx.note) items[0]!.topic = line(`${items[0]!.topic} (${ctx.note})`);
  return {
    items,
    basedOn: basedOn(
      ctx,
      "offer",
      "difference",
      "problems",
      "benefits",
      "buying-triggers",
      "location",
      "primary-goal",
      "website",
      "channels",
    ),
  };
}

function budget(ctx: Context): PlanSection<"budget"> {
  const { facts } = ctx;
  const { amounts } = budgetSplit(ctx);
  const lines = ctx.channels
    .map((pick, index) => ({ pick, amount: amounts[index]! }))
    .filter(({ amount }) => facts.budget === 0 || amount > 0)
    .map(({ pick, amount }) => ({
      item: line(facts.budget === 0 ? `${pick.spec.name}: time only, no spend this month` : pick.spec.spend),
      channel: pick.spec.name,
      amount,
    }));
  if (ctx.note) lines[0]!.item = line(`${lines[0]!.item} (${ctx.note})`);
  return { currency: facts.currency, monthlyTotal: facts.budget, lines, basedOn: basedOn(ctx, "budget", "channels") };
}

function measurement(ctx: Context): PlanSection<"measurement"> {
  const { facts } = ctx;
  const goal = goalOf(facts);
  const approach = [
    `One number matters most: ${inSentence(goal.kpi)}. Write it down in week 1 (the baseline), then every Monday in one shared sheet, next to each channel's own number.`,
    `Ask every new customer how they heard of ${facts.name}; it is the cheapest attribution there is.`,
    facts.hoursPerWeek < 3
      ? "Keep it to ten minutes a week: the time is better spent on the channels."
      : "Review the sheet for half an hour every second Friday and move time to what works.",
    ctx.note ?? "",
  ];
  return {
    approach: approach.filter(Boolean).join(" "),
    metrics: [
      {
        metric: goal.kpi,
        tool: facts.website ? "Website analytics and a weekly sheet" : "A weekly sheet",
        frequency: "Weekly",
      },
      ...ctx.channels.map((pick) => ({ metric: pick.spec.kpi, tool: pick.spec.tool, frequency: "Weekly" })),
      {
        metric: "How new customers heard of you",
        tool: "A question at checkout or first contact",
        frequency: "Every new customer",
      },
    ],
    basedOn: basedOn(ctx, "primary-goal", "channels", "website", "time-and-constraints"),
  };
}

function risks(ctx: Context): PlanSection<"risks"> {
  const { facts } = ctx;
  const items: PlanSection<"risks">["items"] = [];
  if (facts.hoursPerWeek === 0)
    items.push({
      kind: "assumption",
      text: "You said 0 hours a week; the roadmap assumes about an hour a week anyway.",
      mitigation: "Block one hour in the calendar every week, or ask someone on the team to own it.",
    });
  items.push({
    kind: "risk",
    text: line(`The time runs out: ${facts.hoursPerWeek} hours a week across ${ctx.channels.length} channels.`),
    mitigation: "Batch the work: write a week's content in one sitting; drop the weakest channel first.",
  });
  items.push(
    facts.budget === 0
      ? {
          kind: "risk",
          text: "No paid budget: growth depends on organic reach, which is slow.",
          mitigation: "Reinvest part of the first new revenue in the channel that works best.",
        }
      : {
          kind: "risk",
          text: line(`${formatMoney(facts.budget, facts.currency)} a month is spent before results are clear.`),
          mitigation: "Track cost per result weekly; pause what has no result after four weeks.",
        },
  );
  items.push({
    kind: "assumption",
    text: "The baseline numbers are unknown today.",
    mitigation: "Measure them in week 1; adjust the targets in week 2 if they were far off.",
  });
  if (facts.competitors.length > 0)
    items.push({
      kind: "risk",
      text: line(`${clip(facts.competitors[0]!, 60)} answers with a price cut or a campaign.`),
      mitigation: line(
        `Compete on what sets you apart${facts.difference ? ` (${gist(facts.difference, 120)})` : ""}, not on price.`,
      ),
    });
  if (facts.constraints)
    items.push({
      kind: "risk",
      text: line(`Constraint: ${gist(facts.constraints, 300)}`),
      mitigation: "The calendar and roadmap leave room around it; move tasks, not deadlines.",
    });
  if (facts.target)
    items.push({
      kind: "assumption",
      text: line(`The target "${clip(facts.target, 150)}" is reachable with these channels.`),
      mitigation: "Check progress in week 6; if it is under a third of the way, change the channel mix.",
    });
  if (ctx.note)
    items.push({
      kind: "assumption",
      text: line(ctx.note),
      mitigation: "Older versions of the plan stay viewable to compare.",
    });
  return { items, basedOn: basedOn(ctx, "time-and-constraints", "budget", "competitors", "difference", "targets") };
}

const sectionBuilders: { [K in PlanSectionKey]: (ctx: Context) => PlanSection<K> } = {
  executiveSummary,
  situation,
  goals,
  personas,
  positioning,
  channelStrategy,
  roadmap,
  contentCalendar,
  budget,
  measurement,
  risks,
};

/** A whole plan for a profile, starting on `startDate` (YYYY-MM-DD). */
export function buildDemoPlan(profile: ClientProfile, startDate: string): PlanContent {
  const facts = readFacts(profile);
  const ctx: Context = {
    facts,
    start: parseStartDate(startDate),
    channels: pickChannels(facts),
    focus: null,
    note: null,
  };
  return {
    executiveSummary: executiveSummary(ctx),
    situation: situation(ctx),
    goals: goals(ctx),
    personas: personas(ctx),
    positioning: positioning(ctx),
    channelStrategy: channelStrategy(ctx),
    roadmap: roadmap(ctx),
    contentCalendar: contentCalendar(ctx),
    budget: budget(ctx),
    measurement: measurement(ctx),
    risks: risks(ctx),
  };
}

/**
 * One section rewritten on request. It keeps to the current plan's channels (so the rewritten calendar or
 * budget still matches its channel strategy); an instruction naming one of them puts that channel first
 * (and doubles its share and calendar slots). Rewriting the channel strategy itself may add the channel
 * named. The instruction is quoted in the section, so the change is visible.
 */
export function buildDemoSection<K extends PlanSectionKey>(
  profile: ClientProfile,
  startDate: string,
  section: K,
  currentPlan: PlanContent,
  instruction: string,
): PlanSection<K> {
  const facts = readFacts(profile);
  let channels = channelsOfPlan(currentPlan, facts);
  if (channels.length === 0) channels = pickChannels(facts);
  const focus = namedChannel(instruction, channels, section === "channelStrategy");
  if (focus) channels = [focus, ...channels.filter((pick) => pick.spec !== focus.spec)];
  const request = clip(instruction.trim().replace(/\s+/g, " "), 200);
  const note = request ? `Rewritten as asked: "${request}".` : null;
  const ctx: Context = { facts, start: parseStartDate(startDate), channels, focus, note };
  return sectionBuilders[section](ctx);
}
