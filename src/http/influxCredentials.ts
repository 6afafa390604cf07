import type { Request } from 'express';

const keyFromToken = (credentials: string): string => {
  // InfluxDB 2.x's 1.x-compatibility form is `Token <user>:<token>`; keys never hold ':'.
  const colon = credentials.indexOf(':');
  return colon === -1 ? credentials : credentials.slice(colon + 1);
};

const passwordOfBasic = (credentials: string): string | null => {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
};

function keyFromAuthorization(authorization: string): string | null {
  const match = /^(\w+)\s+(\S+)\s*$/.exec(authorization);
  if (!match) return null;
  const [, scheme = '', credentials = ''] = match;
  switch (scheme.toLowerCase()) {
    case 'token':
      return keyFromToken(credentials);
    case 'bearer':
      return credentials;
    case 'basic':
      return passwordOfBasic(credentials);
    default:
      return null;
  }
}

/**
 * The key where InfluxDB clients put it (api.md §12): `X-API-Key`, else `Authorization:
 * Token | Bearer | Basic` (the password), else, on 1.x routes, the `p` query parameter.
 * The influx CLI and Grafana send Basic; the 2.x client libraries and Telegraf send Token.
 */
export function influxKeyOf(req: Request, acceptsPasswordParameter: boolean): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const key = keyFromAuthorization(authorization);
    if (key) return key;
  }
  if (!acceptsPasswordParameter) return null;
  const password = req.query.p;
  return typeof password === 'string' && password.length > 0 ? password : null;
}
