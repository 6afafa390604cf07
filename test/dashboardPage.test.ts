import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dashboardFiles } from '../src/http/dashboardPage';
import { projectRoot } from '../src/shared/projectRoot';
import { expectErrorBody } from './support/assertions';
import { useTestApp } from './support/testApp';

const app = useTestApp();

const pageDir = path.join(projectRoot(), 'public', 'dashboard');
const scriptFiles = readdirSync(pageDir).filter((file) => file.endsWith('.js'));
const contentTypes: Record<string, RegExp> = { '.js': /^text\/javascript/, '.css': /^text\/css/, '.svg': /^image\/svg\+xml/ };

/** What would break under `script-src 'self'` (no 'unsafe-inline', no 'unsafe-eval'). */
function inlineScriptProblems(html: string): string[] {
  const problems: string[] = [];
  for (const [tag, attributes, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\ssrc="\/[^"]+"/.test(attributes!)) problems.push(`script without a same-origin src: ${tag}`);
    if (body!.trim() !== '') problems.push(`inline script body: ${tag}`);
  }
  for (const [handler] of html.matchAll(/<[^>]*\son[a-z]+\s*=[^>]*>/gi)) problems.push(`inline event handler: ${handler}`);
  if (/javascript:/i.test(html)) problems.push('a javascript: URL');
  return problems;
}

describe('GET / (the dashboard)', () => {
  it('serves the page under the strict Content-Security-Policy, with no inline script or handler', async () => {
    const res = await app()
      .http.get('/')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src-attr 'none'");
    expect(inlineScriptProblems(res.text)).toEqual([]);
    const sources = [...res.text.matchAll(/<script\b[^>]*\ssrc="([^"]+)"/g)].map(([, src]) => src);
    expect(sources).toEqual(['/dashboard/vendor/uPlot.iife.min.js', '/dashboard/main.js']);
  });

  it('finds inline scripts and handlers when there are some (the check above can fail)', () => {
    expect(inlineScriptProblems('<script>alert(1)</script><button onclick="x()">b</button><a href="javascript:x()">a</a>')).toHaveLength(4);
  });

  it('serves every file of public/dashboard besides index.html, with its content type, and nothing else of it', async () => {
    const files = readdirSync(pageDir).filter((file) => file !== 'index.html');
    expect([...dashboardFiles].sort()).toEqual(files.sort());
    for (const file of files) {
      const res = await app().http.get(`/dashboard/${file}`).expect(200);
      expect(res.headers['content-type']).toMatch(contentTypes[path.extname(file)]!);
    }
  });

  it('serves uPlot’s browser build and stylesheet from node_modules', async () => {
    const script = await app()
      .http.get('/dashboard/vendor/uPlot.iife.min.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    expect(script.text).toContain('uPlot');
    await app()
      .http.get('/dashboard/vendor/uPlot.min.css')
      .expect(200)
      .expect('Content-Type', /text\/css/);
  });

  it('answers the JSON 404 for anything outside the allow-lists', async () => {
    for (const file of [
      '/dashboard/index.html',
      '/dashboard/nope.js',
      '/dashboard/vendor/uPlot.esm.js',
      '/dashboard/vendor/uPlot.d.ts',
      '/dashboard/..%2F..%2Fpackage.json',
      '/dashboard/vendor/..%2Fpackage.json',
    ]) {
      expectErrorBody(await app().http.get(file), 404, 'Not Found');
    }
  });

  it('loads only modules it serves, and keeps the key out of localStorage, cookies and URLs', () => {
    for (const file of scriptFiles) {
      const text = readFileSync(path.join(pageDir, file), 'utf8');
      for (const [, imported] of text.matchAll(/from '\.\/([^']+)'/g)) expect(dashboardFiles).toContain(imported);
      expect(text).not.toMatch(/localStorage\.|document\.cookie|\beval\(|new Function\(|new EventSource\(/);
      expect(text).not.toMatch(/[?&](api_?key|key)=/i);
    }
  });
});
