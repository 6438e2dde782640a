import "./wallboard.css";
// Small SVG charts for the wallboard (no chart library: the console ships without one).

export type Bar = { label: string; value: number; secondary?: number };

/**
 * Horizontal bars, one per row: `value` filled, `secondary` (a total the value is part of) as the track.
 * The numbers are printed too, so the chart reads without colour.
 */
export function BarList({
  bars,
  label,
  valueLabel,
  secondaryLabel,
}: {
  bars: Bar[];
  label: string;
  valueLabel: string;
  secondaryLabel?: string;
}) {
  const max = Math.max(1, ...bars.map((bar) => Math.max(bar.value, bar.secondary ?? 0)));
  const rowHeight = 26;
  const width = 100;
  return (
    <figure style={{ margin: 0 }}>
      <figcaption className="visually-hidden">{label}</figcaption>
      <table style={{ width: "100%", borderCollapse: "collapse" }}>
        <thead className="visually-hidden">
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">{valueLabel}</th>
            {secondaryLabel && <th scope="col">{secondaryLabel}</th>}
          </tr>
        </thead>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label} style={{ height: rowHeight }}>
              <th
                scope="row"
                style={{
                  textAlign: "left",
                  fontWeight: 500,
                  fontSize: 13,
                  paddingRight: 8,
                  whiteSpace: "nowrap",
                  maxWidth: 160,
                  overflow: "hidden",
                  textOverflow: "ellipsis",
                }}
                title={bar.label}
              >
                {bar.label}
              </th>
              <td style={{ width: "60%" }} aria-hidden>
                <svg
                  viewBox={`0 0 ${width} 10`}
                  preserveAspectRatio="none"
                  width="100%"
                  height={12}
                  role="presentation"
                >
                  {bar.secondary !== undefined && (
                    <rect
                      x={0}
                      y={0}
                      height={10}
                      width={(bar.secondary / max) * width}
                      fill="var(--mantine-color-gray-3)"
                      rx={1}
                    />
                  )}
                  <rect
                    x={0}
                    y={0}
                    height={10}
                    width={(bar.value / max) * width}
                    fill="var(--mantine-primary-color-filled)"
                    rx={1}
                  />
                </svg>
              </td>
              <td style={{ textAlign: "right", fontVariantNumeric: "tabular-nums", fontSize: 13, paddingLeft: 8 }}>
                {bar.value}
              </td>
              {secondaryLabel && (
                <td
                  style={{
                    textAlign: "right",
                    fontVariantNumeric: "tabular-nums",
                    fontSize: 13,
                    paddingLeft: 8,
                    color: "var(--mantine-color-dimmed)",
                  }}
                >
                  {bar.secondary ?? ""}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export type Column = { label: string; a: number; b: number };

/** Paired columns per bucket (e.g. created and solved per hour), with an accessible summary. */
export function ColumnChart({
  columns,
  label,
  aLabel,
  bLabel,
}: {
  columns: Column[];
  label: string;
  aLabel: string;
  bLabel: string;
}) {
  const max = Math.max(1, ...columns.map((column) => Math.max(column.a, column.b)));
  const height = 120;
  const slot = 24;
  const width = Math.max(columns.length * slot, slot);
  const summary = `${label}: ${columns.map((column) => `${column.label} ${aLabel} ${column.a}, ${bLabel} ${column.b}`).join("; ")}`;
  return (
    <svg
      viewBox={`0 0 ${width} ${height + 16}`}
      width="100%"
      height={height + 16}
      preserveAspectRatio="xMinYMin meet"
      role="img"
      aria-label={summary}
      style={{ maxWidth: Math.max(width * 2, 240) }}
    >
      <line x1={0} x2={width} y1={height} y2={height} stroke="var(--mantine-color-default-border)" />
      {columns.map((column, index) => {
        const x = index * slot + 3;
        const aHeight = (column.a / max) * (height - 4);
        const bHeight = (column.b / max) * (height - 4);
        return (
          <g key={column.label}>
            <rect x={x} y={height - aHeight} width={8} height={aHeight} fill="var(--mantine-primary-color-filled)">
              <title>{`${column.label} — ${aLabel}: ${column.a}`}</title>
            </rect>
            <rect x={x + 9} y={height - bHeight} width={8} height={bHeight} fill="var(--mantine-color-teal-6)">
              <title>{`${column.label} — ${bLabel}: ${column.b}`}</title>
            </rect>
            <text x={x + 8} y={height + 12} fontSize={8} textAnchor="middle" fill="var(--mantine-color-dimmed)">
              {column.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A load-against-capacity meter (a <meter> so assistive technology reads it as such). */
export function LoadMeter({ load, capacity, label }: { load: number; capacity: number; label: string }) {
  const ratio = capacity > 0 ? Math.min(1, load / capacity) : load > 0 ? 1 : 0;
  const colour =
    ratio >= 1
      ? "var(--mantine-color-red-6)"
      : ratio >= 0.8
        ? "var(--mantine-color-orange-6)"
        : "var(--mantine-color-teal-6)";
  return (
    <div style={{ display: "flex", alignItems: "center", gap: 8 }}>
      <meter min={0} max={Math.max(capacity, 1)} value={load} aria-label={label} className="visually-hidden" />
      <svg viewBox="0 0 100 8" width={120} height={8} preserveAspectRatio="none" aria-hidden>
        <rect x={0} y={0} width={100} height={8} rx={2} fill="var(--mantine-color-gray-3)" />
        <rect x={0} y={0} width={ratio * 100} height={8} rx={2} fill={colour} />
      </svg>
      <span style={{ fontVariantNumeric: "tabular-nums", fontSize: 13 }}>
        {load} / {capacity}
      </span>
    </div>
  );
}
