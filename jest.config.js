/** Two projects: fast unit tests, and integration tests against real brokers and clients. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
module.exports = {
  // A test that fails half-way can leave its broker listening; exit when the run is over
  // instead of hanging until CI's time limit (passing runs close every server they open).
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/tests/integration/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      // Compiles dist/ once per run: the cluster tests spawn brokers from dist/broker/main.js.
      globalSetup: '<rootDir>/tests/global-setup.ts',
    },
  ],
};
