import { z } from 'zod';
import { isoDateTime, paginationOut, paginationQuery } from '../../shared/schemas';
import { keyTypes } from '../keys/scopes';
import { auditActions, auditTargetTypes } from './model';

export const auditLogsQuery = paginationQuery.extend({
  action: z.enum(auditActions).optional(),
  /** Records at or after this time. */
  since: isoDateTime.transform((value) => new Date(value)).optional(),
});

export const auditLogOut = z.object({
  _id: z.string(),
  action: z.enum(auditActions),
  actor: z.object({ keyId: z.string(), keyPrefix: z.string(), type: z.enum(keyTypes) }),
  target: z.object({ type: z.enum(auditTargetTypes), _id: z.string(), name: z.string() }),
  bucketId: z.string().nullable(),
  requestId: z.string(),
  ip: z.string().nullable(),
  at: z.string(),
});

export const listAuditLogsOut = z.object({ auditLogs: z.array(auditLogOut), pagination: paginationOut });
