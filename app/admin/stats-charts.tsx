// The charts of /admin/stats: plain SVG computed on the server with d3-scale and d3-shape, so they work
// without JavaScript. Each chart is hidden from assistive technology (aria-hidden) and followed by the
// same numbers as a table for screen readers, plus a CSV download of that table.
import { scaleBand, scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import type { ReactNode } from "react";
import type { CsvValue } from "../platform/csv.ts";

const WIDTH = 640;
/** Scales with its box; the numbers are in the table and the CSV for anyone who needs them larger. */
const svgClass = "h-auto w-full";
const HEIGHT = 200;
const MARGIN = { top: 10, right: 8, bottom: 24, left: 44 };

/** Colours that keep 3:1 contrast against the page in light and dark mode. */
const seriesColours = [
  "fill-brand-600 stroke-brand-600 dark:fill-brand-400 dark:stroke-brand-400",
  "fill-red-600 stroke-red-600 dark:fill-red-400 dark:stroke-red-400",
  "fill-amber-600 stroke-amber-600 dark:fill-amber-400 dark:stroke-amber-400",
];
const lineColours = [
  "stroke-brand-600 dark:stroke-brand-400",
  "stroke-red-600 dark:stroke-red-400",
  "stroke-amber-600 dark:stroke-amber-400",
];
const swatchColours = [
  "bg-brand-600 dark:bg-brand-400",
  "bg-red-600 dark:bg-red-400",
  "bg-amber-600 dark:bg-amber-400",
];

export interface Series {
  name: string;
  values: number[];
}

const format = new Intl.NumberFormat("en");
const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });

function Axis({ ticks, y }: { ticks: number[]; y: (value: number) => number }) {
  return (
    <g className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
      {ticks.map((tick) => (
        <g key={tick}>
          <line
            x1={MARGIN.left}
            x2={WIDTH - MARGIN.right}
            y1={y(tick)}
            y2={y(tick)}
            className="stroke-zinc-200 dark:stroke-zinc-800"
          />
          <text x={MARGIN.left - 6} y={y(tick)} dy="0.32em" textAnchor="end">
            {format.format(tick)}
          </text>
        </g>
      ))}
    </g>
  );
}

function DayLabels({ days, x }: { days: string[]; x: (day: string) => number }) {
  // About six labels whatever the period.
  const every = Math.max(1, Math.ceil(days.length / 6));
  return (
    <g className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
      {days.map((day, i) =>
        i % every === 0 || i === days.length - 1 ? (
          <text key={day} x={x(day)} y={HEIGHT - 6} textAnchor="middle">
            {shortDay(day)}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Daily values as bars (several series stack) or as lines. */
export function DailyChart({ days, series, kind }: { days: string[]; series: Series[]; kind: "bars" | "line" }) {
  const totals = days.map((_, i) =>
    kind === "bars"
      ? series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)
      : Math.max(...series.map((s) => s.values[i] ?? 0)),
  );
  const y = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const band = scaleBand<string>()
    .domain(days)
    .range([MARGIN.left, WIDTH - MARGIN.right])
    .padding(0.2);
  const centre = (day: string) => (band(day) ?? 0) + band.bandwidth() / 2;
  const ticks = y.ticks(4).filter((tick) => Number.isInteger(tick));

  let shapes: ReactNode;
  if (kind === "bars") {
    shapes = days.map((day, i) => {
      let base = 0;
      return (
        <g key={day}>
          {series.map((s, k) => {
            const value = s.values[i] ?? 0;
            const top = y(base + value);
            const height = y(base) - top;
            base += value;
            return value > 0 ? (
              <rect
                key={s.name}
                x={band(day)}
                y={top}
                width={band.bandwidth()}
                height={height}
                className={seriesColours[k]}
              >
                <title>{`${day}: ${format.format(value)} ${s.name.toLowerCase()}`}</title>
              </rect>
            ) : null;
          })}
        </g>
      );
    });
  } else {
    const path = line<number>()
      .x((_, i) => centre(days[i]!))
      .y((value) => y(value));
    shapes = series.map((s, k) => (
      <path key={s.name} d={path(s.values) ?? ""} fill="none" strokeWidth={2} className={lineColours[k]} />
    ));
  }

  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className={svgClass} aria-hidden="true" focusable="false">
      <Axis ticks={ticks} y={y} />
      {shapes}
      <DayLabels days={days} x={centre} />
    </svg>
  );
}

/** One horizontal bar per row (the funnel): stacked parts, with the whole as a light outline. */
export function HorizontalBars({
  rows,
  parts,
}: {
  rows: { label: string; whole: number; values: number[] }[];
  parts: string[];
}) {
  const rowHeight = 18;
  const labelWidth = 190;
  const height = rows.length * rowHeight + 8;
  const x = scaleLinear()
    .domain([0, Math.max(1, ...rows.map((row) => row.whole))])
    .range([labelWidth, WIDTH - MARGIN.right]);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${height}`} className={svgClass} aria-hidden="true" focusable="false">
      {rows.map((row, i) => {
        let base = 0;
        const top = 4 + i * rowHeight;
        return (
          <g key={row.label}>
            <text
              x={labelWidth - 6}
              y={top + rowHeight / 2}
              dy="0.32em"
              textAnchor="end"
              className="fill-zinc-700 text-[10px] dark:fill-zinc-300"
            >
              {row.label.length > 32 ? `${row.label.slice(0, 31)}…` : row.label}
            </text>
            <rect
              x={labelWidth}
              y={top + 2}
              width={Math.max(0, x(row.whole) - labelWidth)}
              height={rowHeight - 4}
              className="fill-zinc-100 stroke-zinc-300 dark:fill-zinc-900 dark:stroke-zinc-700"
            />
            {row.values.map((value, k) => {
              const start = x(base);
              base += value;
              return value > 0 ? (
                <rect
                  key={parts[k]}
                  x={start}
                  y={top + 2}
                  width={x(base) - start}
                  height={rowHeight - 4}
                  className={seriesColours[k]}
                />
              ) : null;
            })}
          </g>
        );
      })}
    </svg>
  );
}

export function Legend({ names }: { names: string[] }) {
  if (names.length < 2) return null;
  return (
    <ul className="flex flex-wrap gap-4 text-sm text-zinc-700 dark:text-zinc-300" aria-hidden="true">
      {names.map((name, k) => (
        <li key={name} className="flex items-center gap-2">
          <span className={`inline-block size-3 rounded-sm ${swatchColours[k]}`} />
          {name}
        </li>
      ))}
    </ul>
  );
}

/**
 * The chart's numbers as a table, for screen readers (visually hidden: the chart shows them). The
 * wrapper is what is hidden: a table does not shrink to sr-only's 1 px and made a phone's page scroll.
 */
export function ChartTable({ title, header, rows }: { title: string; header: string[]; rows: CsvValue[][] }) {
  return (
    <div className="sr-only">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            {header.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.join("|")}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <th key={header[i]} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={header[i]}>{typeof cell === "number" ? format.format(cell) : (cell ?? "–")}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
