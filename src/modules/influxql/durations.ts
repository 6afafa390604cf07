const nanosecondsPerUnit: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  μ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** `10s`, `1h30m`, `1700000000000ms` in nanoseconds; null when a unit is unknown. */
export function parseDurationLiteral(text: string): bigint | null {
  const parts = text.match(/\d+(ns|ms|u|µ|μ|s|m|h|d|w)/g);
  if (!parts || parts.join('') !== text) return null;
  let total = 0n;
  for (const part of parts) {
    const [, digits = '', unit = ''] = /^(\d+)(.*)$/.exec(part) ?? [];
    total += BigInt(digits) * (nanosecondsPerUnit[unit] as bigint);
  }
  return total;
}

export const nanosecondsPerMillisecond = 1_000_000n;

/** Floor division on bigints (BigInt's `/` truncates toward zero; times before 1970 need the floor). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}
