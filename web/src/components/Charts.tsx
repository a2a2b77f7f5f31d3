/**
 * The dashboard's 30-day charts, drawn as inline SVG (no chart library): success rate per UTC
 * day as bars, and p50/p95 run duration as two lines. A day without finished runs is a gap,
 * never a zero, so "nothing ran" cannot be read as "everything failed".
 *
 * The SVG's viewBox is the container's measured width in pixels (and `width: 100%`), so text
 * stays readable from 390 px to wide screens; before the first measurement it assumes
 * `DEFAULT_WIDTH` and scales. Each chart is one `role="img"` with a summary in its label.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { DashboardWire } from '../../../src/api/wire.js';
import { formatDuration, formatPercent } from '../format.js';

export type DailyStatsWire = DashboardWire['daily'][number];

const DEFAULT_WIDTH = 560;
const HEIGHT = 180;
const PAD = { top: 10, right: 10, bottom: 22, left: 64 };

/** The container's width in CSS pixels, remeasured when it changes. */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(240, Math.round(element.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

/** "Nov 22" for the UTC day `2026-11-22`. */
export function formatDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

interface Frame {
  width: number;
  plotWidth: number;
  plotHeight: number;
  band: number;
  /** Centre of day `index`'s band. */
  x: (index: number) => number;
}

function frameFor(width: number, days: number): Frame {
  const plotWidth = width - PAD.left - PAD.right;
  const band = plotWidth / Math.max(days, 1);
  return { width, plotWidth, plotHeight: HEIGHT - PAD.top - PAD.bottom, band, x: (index) => PAD.left + (index + 0.5) * band };
}

/** The frame: horizontal grid lines with labels on the left, and a few day labels ending today. */
function Axes({ frame, days, ticks }: { frame: Frame; days: readonly DailyStatsWire[]; ticks: Array<{ y: number; label: string }> }) {
  const step = frame.width < 520 ? 10 : frame.width < 800 ? 7 : 5;
  const bottom = PAD.top + frame.plotHeight;
  return (
    <g>
      {ticks.map((tick) => (
        <g key={tick.label}>
          <line className="axis" x1={PAD.left} x2={frame.width - PAD.right} y1={tick.y} y2={tick.y} strokeOpacity={0.6} />
          <text className="axis-label" x={PAD.left - 6} y={tick.y + 3} textAnchor="end">
            {tick.label}
          </text>
        </g>
      ))}
      <line className="axis" x1={PAD.left} x2={frame.width - PAD.right} y1={bottom} y2={bottom} />
      {days.map((day, index) =>
        (days.length - 1 - index) % step === 0 ? (
          <text
            key={day.day}
            className="axis-label"
            x={index === days.length - 1 ? frame.width - PAD.right : frame.x(index)}
            y={HEIGHT - 6}
            textAnchor={index === days.length - 1 ? 'end' : 'middle'}
          >
            {formatDay(day.day)}
          </text>
        ) : null,
      )}
    </g>
  );
}

function ChartFrame({ label, children, legend }: { label: string; children: (width: number) => ReactNode; legend: ReactNode }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  return (
    <div ref={ref}>
      <svg className="chart" role="img" aria-label={label} viewBox={`0 0 ${width} ${HEIGHT}`} width="100%" preserveAspectRatio="xMinYMin meet">
        {children(width)}
      </svg>
      <div className="legend" aria-hidden="true">
        {legend}
      </div>
    </div>
  );
}

function summariseSuccess(days: readonly DailyStatsWire[]): string {
  const withRuns = days.filter((day) => day.success_rate !== null);
  if (withRuns.length === 0) return 'Success rate per UTC day, last 30 days: no completed or failed runs.';
  const completed = withRuns.reduce((sum, day) => sum + day.completed, 0);
  const failed = withRuns.reduce((sum, day) => sum + day.failed, 0);
  const lowest = withRuns.reduce((low, day) => ((day.success_rate ?? 1) < (low.success_rate ?? 1) ? day : low));
  const latest = withRuns[withRuns.length - 1]!;
  return (
    `Success rate per UTC day, last 30 days: ${withRuns.length} of ${days.length} days with runs, ` +
    `${formatPercent(completed / (completed + failed))} overall (${completed} completed, ${failed} failed); ` +
    `lowest ${formatPercent(lowest.success_rate)} on ${formatDay(lowest.day)}; latest ${formatPercent(latest.success_rate)} on ${formatDay(latest.day)}.`
  );
}

/** Bars of completed / (completed + failed) per UTC day; the failed share stacked on top. */
export function SuccessRateChart({ days }: { days: readonly DailyStatsWire[] }) {
  const legend = (
    <>
      <span style={{ color: 'var(--ok)' }}>Succeeded</span>
      <span style={{ color: 'var(--danger)' }}>Failed</span>
      <small>No bar: no runs that day</small>
    </>
  );
  return (
    <ChartFrame label={summariseSuccess(days)} legend={legend}>
      {(width) => {
        const frame = frameFor(width, days.length);
        const y = (rate: number) => PAD.top + (1 - rate) * frame.plotHeight;
        const barWidth = Math.max(2, frame.band * 0.7);
        return (
          <>
            <Axes frame={frame} days={days} ticks={[1, 0.5, 0].map((rate) => ({ y: y(rate), label: `${rate * 100}%` }))} />
            {days.map((day, index) => {
              if (day.success_rate === null) return null;
              const x = frame.x(index) - barWidth / 2;
              const top = y(day.success_rate);
              return (
                <g key={day.day}>
                  <title>{`${formatDay(day.day)}: ${formatPercent(day.success_rate)} (${day.completed} completed, ${day.failed} failed)`}</title>
                  <rect className="bar-failed" x={x} y={PAD.top} width={barWidth} height={top - PAD.top} opacity={0.35} />
                  <rect className="bar-ok" x={x} y={top} width={barWidth} height={PAD.top + frame.plotHeight - top} />
                </g>
              );
            })}
          </>
        );
      }}
    </ChartFrame>
  );
}

const DURATION_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];

/** Grid lines at round durations: at most four steps up to (and over) `maxMs`. */
export function computeDurationTicks(maxMs: number): number[] {
  const step = DURATION_STEPS_MS.find((candidate) => maxMs / candidate <= 4) ?? Math.ceil(maxMs / 4);
  const top = Math.max(step, Math.ceil(maxMs / step) * step);
  return Array.from({ length: Math.round(top / step) + 1 }, (_, index) => index * step);
}

/** Path segments through the non-null values; a null breaks the line (a gap, not a zero). */
function linePath(values: ReadonlyArray<number | null>, x: (index: number) => number, y: (value: number) => number): string {
  let path = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? 'L' : 'M'} ${x(index).toFixed(1)} ${y(value).toFixed(1)} `;
    drawing = true;
  });
  return path.trim();
}

function summariseDuration(days: readonly DailyStatsWire[]): string {
  const withRuns = days.filter((day) => day.p50_duration_ms !== null || day.p95_duration_ms !== null);
  if (withRuns.length === 0) return 'Run duration p50 and p95 per UTC day, last 30 days: no finished runs.';
  const latest = withRuns[withRuns.length - 1]!;
  const slowest = withRuns.reduce((high, day) => ((day.p95_duration_ms ?? 0) > (high.p95_duration_ms ?? 0) ? day : high));
  return (
    `Run duration per UTC day, last 30 days: ${withRuns.length} of ${days.length} days with runs; ` +
    `latest ${formatDay(latest.day)} p50 ${formatDuration(latest.p50_duration_ms)}, p95 ${formatDuration(latest.p95_duration_ms)}; ` +
    `highest p95 ${formatDuration(slowest.p95_duration_ms)} on ${formatDay(slowest.day)}.`
  );
}

/** Two lines: median (p50, solid) and p95 (dashed) duration of the runs finished each day. */
export function DurationChart({ days }: { days: readonly DailyStatsWire[] }) {
  const legend = (
    <>
      <span style={{ color: 'var(--accent)' }}>p50 (median)</span>
      <span style={{ color: 'var(--warn)' }}>p95 (dashed)</span>
    </>
  );
  const series: Array<{ key: 'p50_duration_ms' | 'p95_duration_ms'; className: string; name: string }> = [
    { key: 'p95_duration_ms', className: 'line-p95', name: 'p95' },
    { key: 'p50_duration_ms', className: 'line-p50', name: 'p50' },
  ];
  const maxMs = Math.max(1, ...days.flatMap((day) => [day.p50_duration_ms ?? 0, day.p95_duration_ms ?? 0]));
  const ticks = computeDurationTicks(maxMs);
  const top = ticks[ticks.length - 1]!;
  return (
    <ChartFrame label={summariseDuration(days)} legend={legend}>
      {(width) => {
        const frame = frameFor(width, days.length);
        const y = (ms: number) => PAD.top + (1 - ms / top) * frame.plotHeight;
        return (
          <>
            <Axes frame={frame} days={days} ticks={ticks.map((ms) => ({ y: y(ms), label: ms === 0 ? '0' : formatDuration(ms) }))} />
            {series.map(({ key, className, name }) => (
              <g key={key}>
                <path className={className} d={linePath(days.map((day) => day[key]), frame.x, y)} />
                {days.map((day, index) => {
                  const value = day[key];
                  return value === null ? null : (
                    <circle key={day.day} cx={frame.x(index)} cy={y(value)} r={2.5} className={className} style={{ fill: 'var(--surface)', strokeDasharray: 'none' }}>
                      <title>{`${formatDay(day.day)}: ${name} ${formatDuration(value)}`}</title>
                    </circle>
                  );
                })}
              </g>
            ))}
          </>
        );
      }}
    </ChartFrame>
  );
}
