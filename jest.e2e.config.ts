import type { Config } from 'jest';
import base from './jest.config';

/**
 * `npm run test:e2e`: tests that drive programs from Debian packages (README, "Tests").
 * Same database setup as `npm test`; one file at a time, since each starts a browser.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};

export default config;
