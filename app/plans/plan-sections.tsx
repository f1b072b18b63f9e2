// A plan's sections as readable HTML, each from its structured content: lists, tables for the goals,
// channels, calendar and budget, personas as cards. Free text goes through the shared Markdown renderer
// (app/ui/markdown.tsx), which drops raw HTML and unsafe links: everything here was written by a model.
// Used by the plan page, the running job's page (sections written so far) and older versions.
//
// Browser code: it imports only types from plan-schema.ts, so zod stays on the server.
import type { ReactNode } from "react";
import { formatMoney } from "../onboarding/currencies.ts";
import { Markdown } from "../ui/markdown.tsx";
import type { PlanContent, PlanSectionKey } from "./plan-schema.ts";

export interface RoadmapTaskView {
  id: string;
  title: string;
  channel: string;
  effortHours: number;
}

export interface SectionContext {
  /** Onboarding card id → its title, for the "based on" line. */
  cardTitles: Record<string, string>;
  /**
   * The roadmap as a checklist (the plan page): each task's stable id, by week and position, computed on
   * the server (roadmapTaskId), and how a task is shown. Without it tasks are plain text.
   */
  checklist?: { taskIds: string[][]; renderTask: (task: RoadmapTaskView) => ReactNode };
}

const th = "border-b border-zinc-300 px-2 py-2 text-left font-medium dark:border-zinc-700";
const td = "border-b border-zinc-200 px-2 py-2 align-top dark:border-zinc-800";

function Table({ caption, head, children }: { caption: string; head: string[]; children: ReactNode }) {
  return (
    // A narrow screen scrolls the table sideways rather than squeezing each column to a word per line.
    <div className="overflow-x-auto">
      <table className="w-full min-w-[36rem] text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {head.map((name) => (
              <th key={name} scope="col" className={th}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function Items({ items, className = "" }: { items: string[]; className?: string }) {
  if (items.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">None.</p>;
  return (
    <ul className={`list-disc space-y-1 pl-5 ${className}`}>
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
        <li key={i}>
          <Markdown inline>{item}</Markdown>
        </li>
      ))}
    </ul>
  );
}

function Labelled({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <h3 className="text-sm font-semibold text-zinc-600 dark:text-zinc-400">{label}</h3>
      {children}
    </div>
  );
}

type Renderers = { [K in PlanSectionKey]: (content: PlanContent[K], context: SectionContext) => ReactNode };

const renderers: Renderers = {
  executiveSummary: (content) => <Markdown>{content.summary}</Markdown>,

  situation: (content) => (
    <div className="grid gap-4 sm:grid-cols-2">
      <Labelled label="Strengths">
        <Items items={content.strengths} />
      </Labelled>
      <Labelled label="Weaknesses">
        <Items items={content.weaknesses} />
      </Labelled>
      <Labelled label="Opportunities">
        <Items items={content.opportunities} />
      </Labelled>
      <Labelled label="Threats">
        <Items items={content.threats} />
      </Labelled>
    </div>
  ),

  goals: (content) => (
    <Table caption="Goals and KPIs" head={["Goal", "KPI", "Baseline", "Target", "By"]}>
      {content.goals.map((goal, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
        <tr key={i}>
          <td className={td}>
            <Markdown inline>{goal.goal}</Markdown>
          </td>
          <td className={td}>{goal.kpi}</td>
          <td className={td}>{goal.baseline}</td>
          <td className={td}>{goal.target}</td>
          <td className={`${td} whitespace-nowrap`}>{goal.deadline}</td>
        </tr>
      ))}
    </Table>
  ),

  personas: (content) => (
    <ul className="grid gap-4 md:grid-cols-2">
      {content.personas.map((persona, i) => (
        <li
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
          key={i}
          className="space-y-3 rounded-xl border border-zinc-200 p-4 break-inside-avoid dark:border-zinc-800"
        >
          <h3 className="font-semibold">{persona.name}</h3>
          <Markdown className="text-sm">{persona.description}</Markdown>
          <Labelled label="Needs">
            <Items items={persona.needs} className="text-sm" />
          </Labelled>
          <Labelled label="Objections">
            <Items items={persona.objections} className="text-sm" />
          </Labelled>
          <Labelled label="Where to reach them">
            <Items items={persona.whereToReach} className="text-sm" />
          </Labelled>
        </li>
      ))}
    </ul>
  ),

  positioning: (content) => (
    <div className="space-y-4">
      <blockquote className="border-l-4 border-brand-500 pl-4">
        <Markdown>{content.statement}</Markdown>
      </blockquote>
      <Labelled label="Key messages">
        <Items items={content.keyMessages} />
      </Labelled>
    </div>
  ),

  channelStrategy: (content) => (
    <Table caption="Channel strategy" head={["Channel", "Why and how", "Cadence", "Budget share", "KPI"]}>
      {content.channels.map((channel, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
        <tr key={i}>
          <th scope="row" className={`${td} text-left font-medium`}>
            {channel.channel}
          </th>
          <td className={`${td} min-w-64 space-y-2`}>
            <Markdown>{channel.why}</Markdown>
            <Items items={channel.tactics} />
          </td>
          <td className={td}>{channel.cadence}</td>
          <td className={`${td} text-right tabular-nums`}>{channel.budgetShare}%</td>
          <td className={td}>{channel.kpi}</td>
        </tr>
      ))}
    </Table>
  ),

  roadmap: (content, context) => (
    <ol className="space-y-4">
      {content.weeks.map((week, weekIndex) => (
        <li key={week.week} className="break-inside-avoid space-y-2">
          <h3 className="font-semibold">
            Week {week.week}: <span className="font-normal">{week.focus}</span>
          </h3>
          <ul className="space-y-1">
            {week.tasks.map((task, index) => {
              const id = context.checklist?.taskIds[weekIndex]?.[index];
              const view = { id: id ?? String(index), ...task };
              return (
                <li key={view.id}>
                  {context.checklist && id ? (
                    context.checklist.renderTask(view)
                  ) : (
                    <span>
                      {task.title}
                      <TaskMeta task={view} />
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ol>
  ),

  contentCalendar: (content) => (
    <Table caption="Content calendar" head={["Date", "Channel", "Format", "Topic", "Call to action"]}>
      {content.items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
        <tr key={i}>
          <td className={`${td} whitespace-nowrap tabular-nums`}>{item.date}</td>
          <td className={td}>{item.channel}</td>
          <td className={td}>{item.format}</td>
          <td className={td}>
            <Markdown inline>{item.topic}</Markdown>
          </td>
          <td className={td}>{item.callToAction}</td>
        </tr>
      ))}
    </Table>
  ),

  budget: (content) => (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">
        <caption className="sr-only">Monthly budget</caption>
        <thead>
          <tr>
            <th scope="col" className={th}>
              Item
            </th>
            <th scope="col" className={th}>
              Channel
            </th>
            <th scope="col" className={`${th} text-right`}>
              Per month
            </th>
          </tr>
        </thead>
        <tbody>
          {content.lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
            <tr key={i}>
              <td className={td}>{line.item}</td>
              <td className={td}>{line.channel}</td>
              <td className={`${td} text-right tabular-nums`}>{formatMoney(line.amount, content.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2} className="px-2 py-2 text-left">
              Total
            </th>
            <td className="px-2 py-2 text-right font-semibold tabular-nums" data-testid="budget-total">
              {formatMoney(content.monthlyTotal, content.currency)}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  ),

  measurement: (content) => (
    <div className="space-y-4">
      <Markdown>{content.approach}</Markdown>
      <Table caption="Metrics" head={["Metric", "Tool", "How often"]}>
        {content.metrics.map((metric, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
          <tr key={i}>
            <td className={td}>{metric.metric}</td>
            <td className={td}>{metric.tool}</td>
            <td className={td}>{metric.frequency}</td>
          </tr>
        ))}
      </Table>
    </div>
  ),

  risks: (content) => {
    const group = (kind: "risk" | "assumption") => content.items.filter((item) => item.kind === kind);
    return (
      <div className="grid gap-4 sm:grid-cols-2">
        {(["risk", "assumption"] as const).map((kind) => (
          <Labelled key={kind} label={kind === "risk" ? "Risks" : "Assumptions"}>
            {group(kind).length === 0 ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">None.</p>
            ) : (
              <ul className="list-disc space-y-2 pl-5">
                {group(kind).map((item, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, rendered as is.
                  <li key={i}>
                    <Markdown inline>{item.text}</Markdown>
                    <p className="text-sm text-zinc-600 dark:text-zinc-400">
                      {kind === "risk" ? "Mitigation" : "How to check"}: {item.mitigation}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </Labelled>
        ))}
      </div>
    );
  },
};

export function TaskMeta({ task }: { task: RoadmapTaskView }) {
  return (
    <span className="text-sm whitespace-nowrap text-zinc-600 dark:text-zinc-400">
      {" "}
      · {task.channel} · {task.effortHours} h
    </span>
  );
}

/** One section's body, with the onboarding answers it relied on underneath. */
export function SectionBody<K extends PlanSectionKey>({
  sectionKey,
  content,
  context,
}: {
  sectionKey: K;
  content: PlanContent[K];
  context: SectionContext;
}) {
  const render = renderers[sectionKey] as (content: PlanContent[K], context: SectionContext) => ReactNode;
  const basedOn = content.basedOn.map((id) => `“${context.cardTitles[id] ?? id}”`);
  return (
    <div className="space-y-4">
      {render(content, context)}
      {basedOn.length > 0 ? (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">Based on your answers: {basedOn.join(", ")}</p>
      ) : null}
    </div>
  );
}
