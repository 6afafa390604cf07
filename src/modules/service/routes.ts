import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { DomainError } from '../../shared/errors';

export const serviceRoutes = [
  defineRoute({
    method: 'get',
    path: '/health',
    summary: 'Liveness: the process is up',
    tag: 'Service',
    access: { kind: 'public' },
    rateLimited: false,
    response: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'The process is up' },
    handler: async () => ({ status: 'ok' as const }),
  }),
  defineRoute({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: the database answers',
    tag: 'Service',
    access: { kind: 'public' },
    rateLimited: false,
    response: {
      status: 200,
      schema: z.object({
        status: z.literal('ready'),
        liveStream: z
          .enum(['change-stream', 'polling'])
          .nullable()
          .describe('How points from other instances reach this one’s streams; null while starting'),
      }),
      description: 'Ready for traffic',
    },
    handler: async ({ deps }) => {
      if (!(await deps.pingDatabase())) throw new DomainError('DATABASE_UNAVAILABLE');
      return { status: 'ready' as const, liveStream: deps.liveStream.mode() };
    },
  }),
];
