// A plan version as one Markdown document (the "Download Markdown" button): the same sections, in the
// same order and with the same tables as the page, readable as plain text and in any Markdown viewer.
// Free text is the model's own Markdown and goes in as written; one-line values placed in a table cell
// or a list item lose their line breaks and have "|" escaped so they cannot break the table.
import { formatMoney } from "../onboarding/currencies.ts";
import {
  type PlanContent,
  type PlanDocument,
  type PlanSectionKey,
  planSectionKeys,
  planSections,
  roadmapTaskId,
} from "./plan-schema.ts";

function cell(text: string | number): string {
  return String(text)
    .replace(/\s*\n\s*/g, " ")
    .replaceAll("|", "\\|");
}

function table(head: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return "_None._";
  const line = (values: (string | number)[]) => `| ${values.map(cell).join(" | ")} |`;
  return [line(head), `| ${head.map(() => "---").join(" | ")} |`, ...rows.map(line)].join("\n");
}

function list(items: string[]): string {
  return items.length === 0 ? "_None._" : items.map((item) => `- ${cell(item)}`).join("\n");
}

type Writers = { [K in PlanSectionKey]: (content: PlanContent[K], ticked: Set<string>) => string };

const writers: Writers = {
  executiveSummary: (content) => content.summary,
  situation: (content) =>
    [
      `### Strengths\n\n${list(content.strengths)}`,
      `### Weaknesses\n\n${list(content.weaknesses)}`,
      `### Opportunities\n\n${list(content.opportunities)}`,
      `### Threats\n\n${list(content.threats)}`,
    ].join("\n\n"),
  goals: (content) =>
    table(
      ["Goal", "KPI", "Baseline", "Target", "By"],
      content.goals.map((goal) => [goal.goal, goal.kpi, goal.baseline, goal.target, goal.deadline]),
    ),
  personas: (content) =>
    content.personas
      .map((persona) =>
        [
          `### ${cell(persona.name)}`,
          persona.description,
          `**Needs**\n\n${list(persona.needs)}`,
          `**Objections**\n\n${list(persona.objections)}`,
          `**Where to reach them**\n\n${list(persona.whereToReach)}`,
        ].join("\n\n"),
      )
      .join("\n\n"),
  positioning: (content) =>
    `${content.statement
      .split("\n")
      .map((line) => `> ${line}`)
      .join("\n")}\n\n### Key messages\n\n${list(content.keyMessages)}`,
  channelStrategy: (content) =>
    [
      table(
        ["Channel", "Cadence", "Budget share", "KPI"],
        content.channels.map((channel) => [channel.channel, channel.cadence, `${channel.budgetShare}%`, channel.kpi]),
      ),
      ...content.channels.map(
        (channel) => `### ${cell(channel.channel)}\n\n${channel.why}\n\n**Tactics**\n\n${list(channel.tactics)}`,
      ),
    ].join("\n\n"),
  roadmap: (content, ticked) =>
    content.weeks
      .map(
        (week) =>
          `### Week ${week.week}: ${cell(week.focus)}\n\n${week.tasks
            .map(
              (task, index) =>
                `- [${ticked.has(roadmapTaskId(week.week, index)) ? "x" : " "}] ${cell(task.title)} (${cell(task.channel)}, ${task.effortHours} h)`,
            )
            .join("\n")}`,
      )
      .join("\n\n"),
  contentCalendar: (content) =>
    table(
      ["Date", "Channel", "Format", "Topic", "Call to action"],
      content.items.map((item) => [item.date, item.channel, item.format, item.topic, item.callToAction]),
    ),
  budget: (content) =>
    `${table(
      ["Item", "Channel", "Per month"],
      content.lines.map((line) => [line.item, line.channel, formatMoney(line.amount, content.currency)]),
    )}\n\n**Total per month: ${formatMoney(content.monthlyTotal, content.currency)}**`,
  measurement: (content) =>
    `${content.approach}\n\n${table(
      ["Metric", "Tool", "How often"],
      content.metrics.map((metric) => [metric.metric, metric.tool, metric.frequency]),
    )}`,
  risks: (content) =>
    table(
      ["", "What", "Mitigation or check"],
      content.items.map((item) => [item.kind === "risk" ? "Risk" : "Assumption", item.text, item.mitigation]),
    ),
};

export function planToMarkdown(
  document: PlanDocument,
  options: { title: string; version: number; ticked: Set<string>; cardTitles: Record<string, string> },
): string {
  const notes = [
    `Version ${options.version} · starts ${document.startDate} · written by ${document.model}`,
    document.model === "alva-demo"
      ? "\n> **Not written by an AI.** This plan comes from Alva's offline demo model, which assembles it from your answers with fixed rules. Configure an AI provider to get a real plan."
      : "",
  ].join("");
  const sections = planSectionKeys.map((key) => {
    const content = document.content[key];
    const write = writers[key] as (content: PlanContent[typeof key], ticked: Set<string>) => string;
    const review = document.needsReview.find((entry) => entry.section === key);
    const reviewNote = review
      ? `> **Needs review:** ${review.problems.map((problem) => cell(problem)).join("; ")}\n\n`
      : "";
    const basedOn = content.basedOn.map((id) => options.cardTitles[id] ?? id);
    const footer = basedOn.length > 0 ? `\n\n_Based on your answers: ${basedOn.join(", ")}_` : "";
    return `## ${planSections[key].title}\n\n${reviewNote}${write(content, options.ticked)}${footer}`;
  });
  return `# ${options.title}\n\n${notes}\n\n${sections.join("\n\n")}\n`;
}
