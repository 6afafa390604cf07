import { Types } from 'mongoose';

export const objectIdPattern = /^[0-9a-fA-F]{24}$/;

/** Strict: mongoose's own isValid() also accepts any 12-character string. */
export const isObjectIdHex = (value: unknown): value is string => typeof value === 'string' && objectIdPattern.test(value);

export const toObjectId = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
