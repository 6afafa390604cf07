import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../src/config';

/** The variables `.env.example` sets (`NAME=value` lines; comments and blank lines skipped), in file order. */
function variablesOfEnvExample(): string[] {
  const text = readFileSync(path.resolve(__dirname, '..', '.env.example'), 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('.env.example', () => {
  it('lists exactly the variables of the configuration schema (src/config.ts), each once', () => {
    const listed = variablesOfEnvExample();
    const schema = Object.keys(configSchema.shape);
    const missing = schema.filter((name) => !listed.includes(name));
    const unknown = listed.filter((name) => !schema.includes(name));
    const repeated = listed.filter((name, i) => listed.indexOf(name) !== i);
    const problems = [
      ...(missing.length > 0
        ? [`in configSchema but not in .env.example (add them, with a comment saying what they do): ${missing.join(', ')}`]
        : []),
      ...(unknown.length > 0 ? [`in .env.example but not in configSchema (the server ignores them): ${unknown.join(', ')}`] : []),
      ...(repeated.length > 0 ? [`listed more than once in .env.example: ${repeated.join(', ')}`] : []),
    ];
    if (problems.length > 0) throw new Error(`.env.example does not match configSchema in src/config.ts:\n  ${problems.join('\n  ')}`);
    expect(new Set(listed)).toEqual(new Set(schema));
  });
});
