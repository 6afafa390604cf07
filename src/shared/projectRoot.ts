import { existsSync } from 'node:fs';
import path from 'node:path';

/** The directory holding package.json: the same from src/ (tests) and from dist/src/ (npm start). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'public'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json with a public/ directory above ${from}`);
  }
}
