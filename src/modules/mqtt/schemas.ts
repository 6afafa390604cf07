import { pointsArray, sourcePointFields } from '../ingest/schemas';

/** A payload on dakkio/sources/<id>/points: `{ timestamp?, values, metadata? }` (api.md §14). */
export const mqttPoint = sourcePointFields;
/** Or an array of 1-1000 of them, all or nothing as `POST /api/data/batch`. */
export const mqttPoints = pointsArray(sourcePointFields);
