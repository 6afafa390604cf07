import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import { DomainError } from '../shared/errors';
import type { BodyFormat } from './route';
import { mayHoldReservedKeys } from './validation';

const jsonTypes = ['application/json', 'application/*+json'];
const formType = 'application/x-www-form-urlencoded';

/** Requests whose raw body could hold __proto__ & co., so only those are walked for them. */
export const reservedKeysPossible = new WeakSet<object>();

export const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * JSON is UTF-8 (RFC 8259). Other charsets are refused rather than decoded: a UTF-16 or
 * UTF-7 body would reach the parser in a form the reserved-key scan of the raw bytes misses.
 */
function assertUtf8(req: Request): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Only UTF-8 JSON bodies are accepted');
  }
}

const runMiddleware = (middleware: RequestHandler, req: Request, res: Response): Promise<void> =>
  new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });

const isTooLarge = (error: unknown) => (error as { type?: unknown } | null)?.type === 'entity.too.large';

/** Reads a request's body in the route's format; resolves to what the body schema is checked against. */
export type BodyReader = (req: Request, res: Response) => Promise<unknown>;

/**
 * One reader per body format. Limits apply to the inflated bytes, so a gzip bomb stops at
 * the limit. JSON must say it is JSON; line protocol is read whatever the Content-Type
 * (the influx CLI sends an empty one); a form is read only when it says it is one, as
 * InfluxDB's /query takes `q` from the URL otherwise.
 */
export function createBodyReaders(config: Pick<Config, 'BODY_LIMIT_BYTES' | 'LINE_PROTOCOL_MAX_BYTES'>): Record<BodyFormat, BodyReader> {
  const read = async (parser: RequestHandler, limit: number, req: Request, res: Response) => {
    try {
      await runMiddleware(parser, req, res);
    } catch (error) {
      if (isTooLarge(error)) throw new DomainError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${limit} bytes`);
      throw error;
    }
  };
  const json = express.json({
    limit: config.BODY_LIMIT_BYTES,
    type: jsonTypes,
    strict: true,
    verify: (req, _res, raw) => {
      if (mayHoldReservedKeys(raw)) reservedKeysPossible.add(req);
    },
  });
  const text = express.text({ type: () => true, limit: config.LINE_PROTOCOL_MAX_BYTES, defaultCharset: 'utf-8' });
  const form = express.urlencoded({ type: formType, extended: false, limit: config.BODY_LIMIT_BYTES });
  return {
    json: async (req, res) => {
      if (!hasBody(req)) return {};
      if (!req.is(jsonTypes)) throw new DomainError('UNSUPPORTED_MEDIA_TYPE');
      assertUtf8(req);
      await read(json, config.BODY_LIMIT_BYTES, req, res);
      return req.body ?? {};
    },
    text: async (req, res) => {
      if (!hasBody(req)) return '';
      await read(text, config.LINE_PROTOCOL_MAX_BYTES, req, res);
      return typeof req.body === 'string' ? req.body : '';
    },
    form: async (req, res) => {
      if (!hasBody(req) || !req.is(formType)) return {};
      await read(form, config.BODY_LIMIT_BYTES, req, res);
      return req.body ?? {};
    },
  };
}
