"use client";

import { Area, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import type { MetricsInterval } from "@/lib/metrics-history.ts";
import { chartRows, type ChartDefinition, type Series } from "@/components/admin/chart-definitions.ts";
import { card } from "@/components/ui/styles.ts";

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const formatTime = (at: number) => clock.format(new Date(at));
const formatValue = (value: number, unit = "") => `${Number(value.toFixed(value < 10 ? 2 : 0))}${unit}`;
const axisTick = { fontSize: 12, fill: "#78716c" };

/**
 * A rate holds for the whole interval that ends at its point, so rates are drawn as steps
 * (stepBefore); a smoothed curve would invent peaks between samples.
 */
function seriesElement(chart: ChartDefinition, series: Series) {
  const common = { dataKey: series.key, name: series.label, stroke: series.color, isAnimationActive: false } as const;
  // Bands without outlines: a stacked series at zero would otherwise draw its line along the top of the stack.
  if (chart.kind === "stacked") return <Area key={series.key} {...common} stackId="all" type="stepBefore" fill={series.color} fillOpacity={0.5} strokeWidth={0} />;
  if (chart.kind === "average") return <Line key={series.key} {...common} type="linear" strokeWidth={2} dot={{ r: 3, fill: series.color }} />;
  return <Line key={series.key} {...common} type="stepBefore" strokeWidth={2} dot={false} />;
}

/** One metric over time, one series per line or band; redrawn on every poll, so without animation. */
export function TimeSeriesChart({ chart, intervals }: { chart: ChartDefinition; intervals: readonly MetricsInterval[] }) {
  const rows = chartRows(chart, intervals);
  const order = (key: unknown) => chart.series.findIndex((series) => series.key === key);
  return (
    <section aria-labelledby={`chart-${chart.id}`} data-testid={`chart-${chart.id}`} className={`${card} flex min-w-0 flex-col gap-3 p-5`}>
      <div className="flex flex-col gap-1">
        <h2 id={`chart-${chart.id}`} className="text-lg font-semibold text-stone-900">
          {chart.title} <span className="text-sm font-normal text-stone-500">({chart.unit === "/s" ? "per second" : chart.unit.trim()})</span>
        </h2>
        <p className="text-sm text-stone-600">{chart.description}</p>
      </div>
      <ComposedChart responsive data={rows} style={{ width: "100%", height: 240 }} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#e7e5e4" strokeDasharray="3 3" />
        <XAxis dataKey="at" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={formatTime} tick={axisTick} minTickGap={32} />
        <YAxis tick={axisTick} width={48} tickFormatter={(value: number) => formatValue(value)} />
        <Tooltip
          labelFormatter={(at) => formatTime(Number(at))}
          formatter={(value) => (typeof value === "number" ? formatValue(value, chart.unit) : "—")}
          itemSorter={(item) => order(item.dataKey)}
          contentStyle={{ borderRadius: 12, borderColor: "#e7e5e4", fontSize: 13 }}
        />
        {/* In the order the series are defined (recharts sorts by name unless told otherwise). */}
        <Legend itemSorter={null} wrapperStyle={{ fontSize: 13 }} />
        {chart.series.map((series) => seriesElement(chart, series))}
      </ComposedChart>
    </section>
  );
}
