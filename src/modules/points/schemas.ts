import { z } from 'zod';
import { isoDateTime, objectIdString } from '../../shared/schemas';

const time = isoDateTime.transform((value) => new Date(value));

export const deleteRangeBody = z
  .strictObject({
    bucketId: objectIdString,
    dataSourceId: objectIdString.optional(),
    startTime: time,
    endTime: time,
  })
  // Runs even when a time failed to parse; only two real dates can be out of order.
  .refine((body) => !(body.startTime instanceof Date && body.endTime instanceof Date) || body.startTime < body.endTime, {
    path: ['endTime'],
    message: 'endTime must be after startTime',
  });
export const deleteRangeOut = z.object({ message: z.string(), deleted: z.number() });
