import type { BucketRecord } from '../buckets/model';
import type { PointInput } from '../ingest/buildPoints';
import { checkValues } from '../ingest/checkValues';
import { type IngestPorts, ingestPoints } from '../ingest/ingestPoints';
import type { MeasurementNeeds, MeasurementSource, SourceGrowth, SourcesForMeasurements } from '../sources/measurementSources';
import { fieldName } from '../sources/schemas';
import type { SourceSchema } from '../sources/sourceLookup';
import { type LineCandidate, candidateOf, dakkioType } from './lineCandidates';
import { type LineError, parseLineProtocol } from './parseLineProtocol';
import type { Precision } from './timestamps';

export interface LineProtocolWrite {
  bucket: BucketRecord;
  body: string;
  precision: Precision;
  growth: SourceGrowth;
  onWriteSent?: () => void;
}

export interface LineProtocolPorts extends IngestPorts {
  sourcesForMeasurements: SourcesForMeasurements;
}

/** `rejected` in line order; `stored` lines were acknowledged by the database. */
export interface LineProtocolOutcome {
  stored: number;
  rejected: LineError[];
}

/** Per measurement, each field with the type its first line gave it. */
function needsOf(candidates: LineCandidate[]): MeasurementNeeds[] {
  const byName = new Map<string, MeasurementNeeds>();
  for (const { line } of candidates) {
    const needs = byName.get(line.measurement) ?? { name: line.measurement, fields: new Map() };
    byName.set(line.measurement, needs);
    for (const field in line.fields) if (!needs.fields.has(field)) needs.fields.set(field, dakkioType(line.fields[field]!.type));
  }
  return [...byName.values()];
}

/** Why a field the lines brought is not in its source's schema after the sources were grown. */
function missingFieldReason(field: string, measurement: string, growth: SourceGrowth): string {
  if (!growth.allowed) return `field "${field}" is not in the schema of data source "${measurement}", and this key may not add it`;
  if (!fieldName.safeParse(field).success)
    return `field name "${field}" cannot be a data source field (1-64 letters, digits or _, not starting with a digit)`;
  return `data source "${measurement}" has the most fields allowed (${growth.limits.maxFieldsPerSource})`;
}

/** The data source a line goes to, or why it cannot go there (in InfluxDB's words where InfluxDB has them). */
function destinationOf(candidate: LineCandidate, found: MeasurementSource | undefined, growth: SourceGrowth): SourceSchema | string {
  if (!found) return 'data source not found';
  if ('refused' in found) return found.refused;
  const { schema } = found.source;
  const { fields, measurement } = candidate.line;
  for (const field in fields) {
    const declared = Object.hasOwn(schema, field) ? schema[field] : undefined;
    if (!declared) return missingFieldReason(field, measurement, growth);
    const written = fields[field]!.type;
    if (declared.type !== dakkioType(written)) {
      return `field type conflict: input field "${field}" on measurement "${measurement}" is type ${written}, already exists as type ${declared.type}`;
    }
  }
  const [issue] = checkValues(candidate.values, schema, () => []);
  return issue ? `field "${issue.path[0]}": ${issue.message}` : found.source;
}

/**
 * The story of a line-protocol write (api.md §12): parse every line, turn each into a
 * point, find (or, if the key may, create and grow) the data source each measurement
 * names, check the points against the schemas, and store every good line through the one
 * ingest pipeline. Bad lines are reported, never fatal: InfluxDB clients drop a batch
 * answered with 400, so the good lines of it must already be stored.
 */
export async function writeLineProtocol(write: LineProtocolWrite, ports: LineProtocolPorts): Promise<LineProtocolOutcome> {
  const now = new Date();
  const { lines, errors } = parseLineProtocol(write.body);
  const refused: { lineNumber: number; reason: string }[] = [];
  const candidates: LineCandidate[] = [];
  for (const line of lines) {
    const candidate = candidateOf(line, write.precision, now);
    if (typeof candidate === 'string') refused.push({ lineNumber: line.lineNumber, reason: candidate });
    else candidates.push(candidate);
  }
  const sources = candidates.length > 0 ? await ports.sourcesForMeasurements(write.bucket, needsOf(candidates), write.growth) : new Map();
  const inputs: PointInput[] = [];
  // The sources just read (or made) are the ones the pipeline checks the points against: not read again.
  const destinations = new Map<string, SourceSchema>();
  for (const candidate of candidates) {
    const destination = destinationOf(candidate, sources.get(candidate.line.measurement), write.growth);
    if (typeof destination === 'string') refused.push({ lineNumber: candidate.line.lineNumber, reason: destination });
    else {
      // The tags object is the parser's own (null-prototype, so `__proto__` was an ordinary key): stored as it is.
      const { values, line, timestamp = now } = candidate;
      const dataSourceId = destination._id.toHexString();
      destinations.set(dataSourceId, destination);
      inputs.push({ dataSourceId, timestamp, values, metadata: line.tags });
    }
  }
  if (inputs.length > 0) {
    await ingestPoints(
      {
        bucket: write.bucket,
        inputs,
        sources: destinations,
        pathOf: (index) => ['body', index],
        unknownSource: 'invalid',
        // destinationOf checked each line's values against the source it is stored in.
        valuesChecked: true,
        transport: 'line-protocol',
        onWriteSent: write.onWriteSent,
      },
      () => undefined,
      ports,
    );
  }
  return { stored: inputs.length, rejected: [...errors, ...withLineText(refused, write.body)].sort((a, b) => a.lineNumber - b.lineNumber) };
}

/** The body is split again only when a parsed line was refused, to quote it. */
function withLineText(refused: { lineNumber: number; reason: string }[], body: string): LineError[] {
  if (refused.length === 0) return [];
  const physical = body.split('\n');
  return refused.map(({ lineNumber, reason }) => ({ lineNumber, reason, line: (physical[lineNumber - 1] ?? '').replace(/\r$/, '') }));
}
