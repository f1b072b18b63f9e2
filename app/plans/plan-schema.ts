// The marketing plan as data: the shape the model must answer with (sent as a strict JSON-schema
// structured output), the shape stored in each plan version, and the shape the pages render and the
// downloads export. Bump PLAN_SCHEMA_VERSION on any change that is not purely additive.
//
// Strict structured outputs allow no optional keys: "nothing to say" is an empty array, never a missing
// key. Checks that JSON Schema cannot express (the budget adds up, dates fall inside the plan's 90 days,
// the calendar uses only channels of the strategy) live in plan-checks.ts.
import { z } from "zod";

export const PLAN_SCHEMA_VERSION = 1;
/** Days a plan covers from its start date (the roadmap's 13 weeks). */
export const PLAN_DAYS = 90;
export const ROADMAP_WEEKS = 13;
export const CALENDAR_DAYS = 28;

/** A calendar date, YYYY-MM-DD. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date written YYYY-MM-DD.");
const paragraph = z.string().min(1).max(4000);
const line = z.string().min(1).max(400);
/**
 * The onboarding answers a section relied on, by card id ("budget", "primary-goal", …). Every section
 * names them so a reader can see where a claim came from.
 */
const basedOn = z.array(z.string().min(1).max(60)).describe("Ids of the onboarding cards this section relies on.");

export const executiveSummarySection = z.object({
  summary: paragraph.describe("Three to five sentences: where the business is, what to do, what it should achieve."),
  basedOn,
});

export const situationSection = z.object({
  strengths: z.array(line),
  weaknesses: z.array(line),
  opportunities: z.array(line),
  threats: z.array(line),
  basedOn,
});

export const goalsSection = z.object({
  goals: z.array(
    z.object({
      goal: line.describe("Specific and tied to the profile's primary goal and targets."),
      kpi: line.describe("The number that shows progress, e.g. 'new bookings per month'."),
      baseline: line.describe("Where that number is today, or 'unknown — measure in week 1'."),
      target: line.describe("The measurable target, e.g. '40 per month'."),
      deadline: isoDate.describe("Within the plan's 90 days."),
    }),
  ),
  basedOn,
});

export const personasSection = z.object({
  personas: z.array(
    z.object({
      name: z.string().min(1).max(80),
      description: paragraph,
      needs: z.array(line),
      objections: z.array(line),
      whereToReach: z.array(line),
    }),
  ),
  basedOn,
});

export const positioningSection = z.object({
  statement: paragraph.describe("For <audience> who <need>, <business> is the <category> that <difference>."),
  keyMessages: z.array(line).describe("In the brand voice from the profile."),
  basedOn,
});

export const channelStrategySection = z.object({
  channels: z.array(
    z.object({
      channel: z.string().min(1).max(60).describe("A short channel name, reused verbatim by the calendar."),
      why: paragraph,
      tactics: z.array(line),
      cadence: line.describe("How often, e.g. '3 posts a week'."),
      budgetShare: z.number().min(0).max(100).describe("Percent of the monthly budget."),
      kpi: line,
    }),
  ),
  basedOn,
});

export const roadmapSection = z.object({
  weeks: z.array(
    z.object({
      week: z.int().min(1).max(ROADMAP_WEEKS),
      focus: line,
      tasks: z.array(
        z.object({
          title: line,
          channel: z.string().min(1).max(60),
          effortHours: z.number().min(0).max(80),
        }),
      ),
    }),
  ),
  basedOn,
});

export const contentCalendarSection = z.object({
  items: z.array(
    z.object({
      date: isoDate.describe("Within the first four weeks of the plan."),
      channel: z.string().min(1).max(60).describe("One of the channel strategy's channel names."),
      format: z.string().min(1).max(80),
      topic: line,
      callToAction: line,
    }),
  ),
  basedOn,
});

export const budgetSection = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/, "An ISO 4217 currency code."),
  monthlyTotal: z.int().min(0).describe("Exactly the monthly budget from the profile."),
  lines: z.array(
    z.object({
      item: line,
      channel: z.string().min(1).max(60),
      amount: z.int().min(0).describe("Whole currency units; the lines add up exactly to monthlyTotal."),
    }),
  ),
  basedOn,
});

export const measurementSection = z.object({
  approach: paragraph,
  metrics: z.array(z.object({ metric: line, tool: line, frequency: line })),
  basedOn,
});

export const risksSection = z.object({
  items: z.array(z.object({ kind: z.enum(["risk", "assumption"]), text: line, mitigation: line })),
  basedOn,
});

/** The sections in reading order. The keys are stable: they are in URLs, stored documents and exports. */
export const planSections = {
  executiveSummary: { title: "Executive summary", schema: executiveSummarySection },
  situation: { title: "Situation", schema: situationSection },
  goals: { title: "Goals and KPIs", schema: goalsSection },
  personas: { title: "Audience personas", schema: personasSection },
  positioning: { title: "Positioning and key messages", schema: positioningSection },
  channelStrategy: { title: "Channel strategy", schema: channelStrategySection },
  roadmap: { title: "90-day roadmap", schema: roadmapSection },
  contentCalendar: { title: "Content calendar (four weeks)", schema: contentCalendarSection },
  budget: { title: "Monthly budget", schema: budgetSection },
  measurement: { title: "How to measure", schema: measurementSection },
  risks: { title: "Risks and assumptions", schema: risksSection },
} as const;

export type PlanSectionKey = keyof typeof planSections;
export const planSectionKeys = Object.keys(planSections) as PlanSectionKey[];

/** What the model answers with: every section, in order (the order is also the streaming order). */
export const planContentSchema = z.object({
  executiveSummary: executiveSummarySection,
  situation: situationSection,
  goals: goalsSection,
  personas: personasSection,
  positioning: positioningSection,
  channelStrategy: channelStrategySection,
  roadmap: roadmapSection,
  contentCalendar: contentCalendarSection,
  budget: budgetSection,
  measurement: measurementSection,
  risks: risksSection,
});
export type PlanContent = z.infer<typeof planContentSchema>;
export type PlanSection<K extends PlanSectionKey> = PlanContent[K];

/** A stored plan version: the content plus what the server knows about it. */
export const planDocumentSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
    /** Day 1 of the plan (YYYY-MM-DD); its 90 days and the calendar count from here. */
    startDate: isoDate,
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** The model that wrote it ("alva-demo" for the offline demo model, which is not an AI). */
    model: z.string(),
    /** Sections whose server checks still failed after one correction round: shown as "needs review". */
    needsReview: z.array(z.object({ section: z.enum(planSectionKeys), problems: z.array(z.string()) })),
    content: planContentSchema,
  })
  .describe("Alva marketing plan: one version of a plan generated from a client profile.");
export type PlanDocument = z.infer<typeof planDocumentSchema>;

/**
 * A roadmap task's stable id within a plan: week and position ("w3-t2"). Ticks are stored by this id, so
 * a tick survives a new version of the plan as long as the task keeps its place.
 */
export function roadmapTaskId(week: number, index: number): string {
  return `w${week}-t${index + 1}`;
}
