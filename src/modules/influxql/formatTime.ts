import type { Cell, Epoch } from './ports';

const msPerUnit: Record<Exclude<Epoch, 'ns' | 'u' | 'µ'>, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * How a time (ms since the epoch, as points are stored) is written: RFC 3339 with the
 * fraction's trailing zeros trimmed, as InfluxDB's RFC3339Nano does, or an integer count
 * of `epoch` units, truncated toward zero as InfluxDB's integer division does.
 */
export function timeFormatter(epoch: Epoch | undefined): (ms: number) => Cell {
  if (!epoch) return (ms) => new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
  if (epoch === 'ns') return (ms) => ms * 1_000_000;
  // InfluxDB 1.6.7 does not know 'µ' and answers nanoseconds; here it means what it says.
  if (epoch === 'u' || epoch === 'µ') return (ms) => ms * 1_000;
  const unit = msPerUnit[epoch];
  return (ms) => Math.trunc(ms / unit);
}
