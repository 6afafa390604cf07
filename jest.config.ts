import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  // request-filtering-agent and aedes ship only as ES modules. Node 20 require()s them,
  // Jest's CommonJS runtime cannot, so Jest compiles those two packages to CommonJS.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '/node_modules/(request-filtering-agent|aedes)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(request-filtering-agent|aedes)/)'],
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The database is started once in the parent process: the embedded fallback is an
  // ES module, which Jest's module runtime cannot import inside a test file.
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
  testTimeout: 30000,
  maxWorkers: 2,
};

export default config;
