"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { MetricsInterval } from "@/lib/metrics-history.ts";
import { chartRows, type ChartDefinition } from "@/components/admin/chart-definitions.ts";
import { card } from "@/components/ui/styles.ts";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const formatTime = (at: number) => clock.format(new Date(at));
const formatValue = (value: number, unit: string) => `${Number(value.toFixed(value < 10 ? 2 : 0))}${unit}`;

/** One metric over time, a line per series; redrawn on every poll, so without animation. */
export function TimeSeriesChart({ chart, intervals }: { chart: ChartDefinition; intervals: readonly MetricsInterval[] }) {
  const rows = chartRows(chart, intervals);
  return (
    <section aria-labelledby={`chart-${chart.id}`} data-testid={`chart-${chart.id}`} className={`${card} flex min-w-0 flex-col gap-3 p-5`}>
      <div className="flex flex-col gap-1">
        <h2 id={`chart-${chart.id}`} className="text-lg font-semibold text-stone-900">
          {chart.title} <span className="text-sm font-normal text-stone-500">({chart.unit.trim() === "/s" ? "per second" : chart.unit.trim()})</span>
        </h2>
        <p className="text-sm text-stone-600">{chart.description}</p>
      </div>
      <LineChart responsive data={rows} style={{ width: "100%", height: 240 }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#e7e5e4" strokeDasharray="3 3" />
        <XAxis dataKey="at" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={formatTime} tick={{ fontSize: 12, fill: "#78716c" }} minTickGap={24} />
        <YAxis allowDecimals tick={{ fontSize: 12, fill: "#78716c" }} width={48} tickFormatter={(value: number) => formatValue(value, "")} />
        <Tooltip
          labelFormatter={(at) => formatTime(Number(at))}
          formatter={(value) => (typeof value === "number" ? formatValue(value, chart.unit) : "—")}
          contentStyle={{ borderRadius: 12, borderColor: "#e7e5e4", fontSize: 13 }}
        />
        <Legend wrapperStyle={{ fontSize: 13 }} />
        {chart.series.map((series) => (
          <Line
            key={series.key}
            dataKey={series.key}
            name={series.label}
            stroke={series.color}
            strokeWidth={2}
            type="monotone"
            dot={chart.showDots ? { r: 2.5, fill: series.color } : false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </section>
  );
}
