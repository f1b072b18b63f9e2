// A stored answer as short lines of text for the summary page (option values become their labels).
import type { Card } from "./cards.ts";
import { formatMoney, legacyCurrency } from "./currencies.ts";

export interface AnswerLine {
  label: string;
  text: string;
  /** A multiple choice's labels one by one, shown as chips (`text` joins them for plain contexts). */
  chips?: string[];
}

export interface DescribedAnswer {
  lines: AnswerLine[];
  imageIds: string[];
  colours: string[];
}

export function describeAnswer(card: Card, value: unknown): DescribedAnswer {
  const described: DescribedAnswer = { lines: [], imageIds: [], colours: [] };
  if (!value || typeof value !== "object") return described;
  const answer = value as Record<string, unknown>;
  for (const field of card.fields) {
    const raw = answer[field.name];
    switch (field.kind) {
      case "text":
      case "textarea":
      case "url":
        if (typeof raw === "string" && raw) described.lines.push({ label: field.label, text: raw });
        break;
      case "number":
        if (typeof raw === "number")
          described.lines.push({ label: field.label, text: `${raw.toLocaleString("en")} ${field.unit}` });
        break;
      case "money":
        if (typeof raw === "number") {
          const currency = typeof answer.currency === "string" ? answer.currency : legacyCurrency;
          const amount = formatMoney(raw, currency);
          described.lines.push({ label: field.label, text: field.per ? `${amount} ${field.per}` : amount });
        }
        break;
      case "currency":
        break; // shown in the amounts
      case "choice":
      case "multi": {
        const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
        const labels = values.map(
          (item) => field.options.find((option) => option.value === item)?.label ?? String(item),
        );
        if (labels.length > 0)
          described.lines.push({
            label: field.label,
            text: labels.join(", "),
            ...(field.kind === "multi" ? { chips: labels } : {}),
          });
        break;
      }
      case "competitors":
        if (Array.isArray(raw)) {
          for (const row of raw as { name?: string; url?: string }[]) {
            if (row?.name)
              described.lines.push({ label: "Competitor", text: row.url ? `${row.name} (${row.url})` : row.name });
          }
        }
        break;
      case "logo":
        if (typeof answer.imageId === "string") described.imageIds.push(answer.imageId);
        break;
      case "brand-images":
        if (Array.isArray(answer.imageIds))
          described.imageIds.push(...answer.imageIds.filter((id): id is string => typeof id === "string"));
        if (Array.isArray(answer.colours))
          described.colours.push(
            ...answer.colours.filter((c): c is string => typeof c === "string" && /^#[0-9a-f]{6}$/i.test(c)),
          );
        break;
    }
  }
  return described;
}
