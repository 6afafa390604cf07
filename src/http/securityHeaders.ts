import helmet from 'helmet';

/**
 * helmet's headers, with the two that break plain HTTP only when TLS is really in front:
 * HSTS and `upgrade-insecure-requests` would make a browser on http://192.168.1.20:3000
 * rewrite every request to an https:// that does not exist there.
 */
export const securityHeaders = (tlsTerminated: boolean) =>
  helmet({
    strictTransportSecurity: tlsTerminated,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: tlsTerminated ? [] : null } },
  });
