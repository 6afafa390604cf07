// A file of its own, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // "Try it out" sends the key the reader authorizes with in a header, like every client.
  persistAuthorization: false,
});
