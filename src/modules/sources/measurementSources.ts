import { isDomainError } from '../../shared/errors';
import { nameField } from '../../shared/schemas';
import type { BucketRecord } from '../buckets/model';
import { DataSourceModel, type FieldType } from './model';
import { fieldName } from './schemas';
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
}

const projection = { bucketId: 1, name: 1, schema: 1, deletingAt: 1 };
type NamedSource = SourceSchema & { name: string };

const findByNames = (bucket: BucketRecord, names: string[]) =>
  DataSourceModel.collection.find<NamedSource>({ bucketId: bucket._id, name: { $in: names } }, { projection }).toArray();

const findByName = (bucket: BucketRecord, name: string) =>
  DataSourceModel.collection.findOne<NamedSource>({ bucketId: bucket._id, name }, { projection });

const validFields = (fields: Map<string, FieldType>) => [...fields].filter(([name]) => fieldName.safeParse(name).success);

async function createFor(bucket: BucketRecord, needs: MeasurementNeeds, growth: SourceGrowth): Promise<MeasurementSource> {
  if (!nameField.safeParse(needs.name).success) return { refused: 'measurement name cannot be a data source name (1-100 characters)' };
  const fields = validFields(needs.fields).slice(0, growth.limits.maxFieldsPerSource);
  if (fields.length === 0) return { refused: 'no field name can be a data source field (1-64 letters, digits or _)' };
  const schema = Object.fromEntries(fields.map(([name, type]) => [name, { type }]));
  try {
    await createDataSource(bucket, { name: needs.name, type: 'line-protocol', description: '', schema, downsampling: true }, growth.limits);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === 'LIMIT_REACHED') return { refused: error.message };
    // DATA_SOURCE_NAME_TAKEN: a concurrent write created it first; its schema is read below.
  }
  const created = await findByName(bucket, needs.name);
  return created ? growSchema(bucket, created, needs, growth) : { refused: 'data source could not be created' };
}

/** Adds fields the source lacks; each is set only if still absent, so concurrent writers agree on the first type. */
async function growSchema(
  bucket: BucketRecord,
  source: NamedSource,
  needs: MeasurementNeeds,
  growth: SourceGrowth,
): Promise<MeasurementSource> {
  const missing = validFields(needs.fields).filter(([name]) => !Object.hasOwn(source.schema, name));
  if (!growth.allowed || missing.length === 0) return { source };
  const room = growth.limits.maxFieldsPerSource - Object.keys(source.schema).length;
  for (const [name, type] of missing.slice(0, Math.max(0, room))) {
    await DataSourceModel.collection.updateOne(
      { _id: source._id, [`schema.${name}`]: { $exists: false } },
      { $set: { [`schema.${name}`]: { type }, updatedAt: new Date() } },
    );
  }
  const grown = await findByName(bucket, needs.name);
  return grown ? { source: grown } : { refused: 'data source was deleted' };
}

/**
 * The data sources line-protocol measurements name, by measurement. With growth allowed, a
 * missing source is created (`type: "line-protocol"`) and new fields are added to schemas;
 * otherwise only what exists is returned. A field that could not be added stays out of the
 * schema, so the lines that carry it are refused by the schema check.
 */
export async function sourcesForMeasurements(
  bucket: BucketRecord,
  measurements: MeasurementNeeds[],
  growth: SourceGrowth,
): Promise<Map<string, MeasurementSource>> {
  const existing = new Map(
    (
      await findByNames(
        bucket,
        measurements.map((m) => m.name),
      )
    ).map((source) => [source.name, source]),
  );
  const result = new Map<string, MeasurementSource>();
  for (const needs of measurements) {
    const source = existing.get(needs.name);
    if (source?.deletingAt) result.set(needs.name, { refused: 'data source is being deleted' });
    else if (source) result.set(needs.name, await growSchema(bucket, source, needs, growth));
    else if (growth.allowed) result.set(needs.name, await createFor(bucket, needs, growth));
    else
      result.set(needs.name, {
        refused: `measurement "${needs.name}" is not a data source of this bucket, and this key may not create one`,
      });
  }
  return result;
}
