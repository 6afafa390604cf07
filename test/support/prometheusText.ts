/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for the /metrics tests:
 * it throws on any line that is not a HELP, a TYPE or a well-formed sample, and on a sample
 * whose family was not declared (HELP and TYPE) before it.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help: string;
  type: string;
  samples: Sample[];
}

const metricName = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const helpLine = new RegExp(`^# HELP (${metricName}) (.*)$`);
const typeLine = new RegExp(`^# TYPE (${metricName}) (counter|gauge|histogram|summary|untyped)$`);
const sampleLine = new RegExp(`^(${metricName})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`).
const number = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan)$/i;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = labelPair.exec(rest);
    if (!match) throw new Error(`malformed labels in: ${line}`);
    const [whole, name, escaped] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`label ${name} repeated in: ${line}`);
    labels[name] = escaped.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

const sampleValue = (text: string) => (/nan/i.test(text) ? Number.NaN : Number(text.replace(/inf/i, 'Infinity')));

/** The family a sample belongs to: a histogram's _bucket, _sum and _count samples belong to it. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const help = helpLine.exec(line);
    if (help) {
      if (helps.has(help[1]!)) throw new Error(`HELP repeated for ${help[1]}`);
      helps.set(help[1]!, help[2]!);
      continue;
    }
    const type = typeLine.exec(line);
    if (type) {
      const name = type[1]!;
      if (families.has(name)) throw new Error(`TYPE repeated for ${name}`);
      if (!helps.has(name)) throw new Error(`TYPE before HELP for ${name}`);
      families.set(name, { help: helps.get(name)!, type: type[2]!, samples: [] });
      continue;
    }
    const sample = sampleLine.exec(line);
    if (!sample) throw new Error(`not a HELP, TYPE or sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, value] = sample as unknown as [string, string, string | undefined, string];
    if (!number.test(value)) throw new Error(`not a number: ${line}`);
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels: parseLabels(labelText ?? '', line), value: sampleValue(value) });
  }
  return families;
}

/** The sum of a sample's values over every series whose labels include `labels`. */
export function sumOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(name, families);
  if (!family) throw new Error(`no family for ${name}`);
  return family.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((total, sample) => total + sample.value, 0);
}
