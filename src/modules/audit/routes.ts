import { defineRoute } from '../../http/route';
import { listAuditLogs } from './auditLogs.service';
import { toAuditLogResponse } from './presenters';
import { auditLogsQuery, listAuditLogsOut } from './schemas';

export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/audit-logs',
    summary: 'Who changed which bucket, key, data source or alert rule, when and from where; newest first',
    tag: 'Audit log',
    // No bucket: the log is the organization's, so only admin keys reach it.
    access: { kind: 'key', scope: 'audit:read', deniedMessage: 'Only Admin keys can read the audit log' },
    request: { query: auditLogsQuery },
    response: { status: 200, schema: listAuditLogsOut, description: 'A page of audit records' },
    handler: async ({ key, query }) => {
      const { auditLogs, pagination } = await listAuditLogs(key.organizationId, query);
      return { auditLogs: auditLogs.map(toAuditLogResponse), pagination };
    },
  }),
];
