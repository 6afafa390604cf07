import type { Types } from 'mongoose';
import { isDomainError } from '../../shared/errors';
import { nameField } from '../../shared/schemas';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel, type DataSourceRecord, type FieldType } from './model';
import { fieldName } from './schemas';
import type { NamedSource, SourceByName } from './sourceByName';
import { createDataSource, type SourceLimits } from './sources.service';
import type { SourceSchema } from './sourceLookup';

/** What the lines of one write say about a measurement: its fields, each with the type it was first written with. */
export interface MeasurementNeeds {
  name: string;
  fields: Map<string, FieldType>;
}

export type MeasurementSource = { source: SourceSchema } | { refused: string };

export interface SourceGrowth {
  /** The key may create data sources and add fields to their schemas (`sources:write`). */
  allowed: boolean;
  limits: SourceLimits;
  /** Records a source the write created or grew, in the same request (the audit log). */
  recordChange: (action: 'source.create' | 'source.update', source: { _id: Types.ObjectId; name: string }) => Promise<void>;
}

export type SourcesForMeasurements = (
  bucket: BucketRecord,
  measurements: MeasurementNeeds[],
  growth: SourceGrowth,
) => Promise<Map<string, MeasurementSource>>;

const validFields = (fields: Map<string, FieldType>) => [...fields].filter(([name]) => fieldName.safeParse(name).success);

async function createFor(
  bucket: BucketRecord,
  needs: MeasurementNeeds,
  growth: SourceGrowth,
  findByName: SourceByName,
): Promise<MeasurementSource> {
  if (!nameField.safeParse(needs.name).success) return { refused: 'measurement name cannot be a data source name (1-100 characters)' };
  const fields = validFields(needs.fields).slice(0, growth.limits.maxFieldsPerSource);
  if (fields.length === 0) return { refused: 'no field name can be a data source field (1-64 letters, digits or _)' };
  const schema = Object.fromEntries(fields.map(([name, type]) => [name, { type }]));
  let made: DataSourceRecord | null = null;
  try {
    made = await createDataSource(
      bucket,
      { name: needs.name, type: 'line-protocol', description: '', schema, downsampling: true },
      growth.limits,
    );
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === 'LIMIT_REACHED') return { refused: error.message };
    // DATA_SOURCE_NAME_TAKEN: a concurrent write created it first; its schema is read below.
  }
  if (made) await growth.recordChange('source.create', made);
  const created = await findByName(bucket._id, needs.name);
  return created ? growSchema(bucket, created, needs, growth, findByName) : { refused: 'data source could not be created' };
}

/** Adds fields the source lacks; each is set only if still absent, so concurrent writers agree on the first type. */
async function growSchema(
  bucket: BucketRecord,
  source: NamedSource,
  needs: MeasurementNeeds,
  growth: SourceGrowth,
  findByName: SourceByName,
): Promise<MeasurementSource> {
  const missing = validFields(needs.fields).filter(([name]) => !Object.hasOwn(source.schema, name));
  if (!growth.allowed || missing.length === 0) return { source };
  const room = growth.limits.maxFieldsPerSource - Object.keys(source.schema).length;
  let added = 0;
  for (const [name, type] of missing.slice(0, Math.max(0, room))) {
    const { modifiedCount } = await DataSourceModel.collection.updateOne(
      { _id: source._id, [`schema.${name}`]: { $exists: false } },
      { $set: { [`schema.${name}`]: { type }, updatedAt: new Date() } },
    );
    added += modifiedCount;
  }
  // Only the request whose update added a field changed the source; a concurrent writer that found it added did not.
  if (added > 0) await growth.recordChange('source.update', source);
  const grown = await findByName(bucket._id, needs.name);
  return grown ? { source: grown } : { refused: 'data source was deleted' };
}

/**
 * The data sources line-protocol measurements name, by measurement. With growth allowed, a
 * missing source is created (`type: "line-protocol"`) and new fields are added to schemas;
 * otherwise only what exists is returned. A field that could not be added stays out of the
 * schema, so the lines that carry it are refused by the schema check. Concurrent requests
 * of this process that create or grow the same source wait for one another: the embedded
 * database enforces no unique index, so two creations could both succeed there.
 */
export function createSourcesForMeasurements(findByName: SourceByName): SourcesForMeasurements {
  const changing = new Map<string, Promise<MeasurementSource>>();
  const oneAtATime = (key: string, change: () => Promise<MeasurementSource>): Promise<MeasurementSource> => {
    const previous = changing.get(key) ?? Promise.resolve(null);
    const next = previous.then(change, change);
    changing.set(key, next);
    const forget = () => {
      if (changing.get(key) === next) changing.delete(key);
    };
    next.then(forget, forget);
    return next;
  };

  const change = (bucket: BucketRecord, needs: MeasurementNeeds, growth: SourceGrowth) =>
    // Read again once it is this request's turn: an earlier one may have made what was missing.
    oneAtATime(bucket._id.toHexString() + needs.name, async () => {
      const current = await findByName(bucket._id, needs.name);
      if (current?.deletingAt) return { refused: 'data source is being deleted' };
      return current ? growSchema(bucket, current, needs, growth, findByName) : createFor(bucket, needs, growth, findByName);
    });

  return async (bucket, measurements, growth) => {
    const found = await Promise.all(measurements.map((needs) => findByName(bucket._id, needs.name)));
    const result = new Map<string, MeasurementSource>();
    // One change at a time, so the sources a request creates stay within the bucket's limit.
    for (const [i, needs] of measurements.entries()) {
      const source = found[i];
      if (source?.deletingAt) result.set(needs.name, { refused: 'data source is being deleted' });
      else if (source && (!growth.allowed || !lacksFields(source, needs))) result.set(needs.name, { source });
      else if (growth.allowed) result.set(needs.name, await change(bucket, needs, growth));
      else
        result.set(needs.name, {
          refused: `measurement "${needs.name}" is not a data source of this bucket, and this key may not create one`,
        });
    }
    return result;
  };
}

const lacksFields = (source: NamedSource, needs: MeasurementNeeds) =>
  [...needs.fields.keys()].some((name) => !Object.hasOwn(source.schema, name) && fieldName.safeParse(name).success);
