// Runs once before all test files: builds the web app the browser tests serve, so parallel test
// files never rebuild dist/web under each other's feet.
import { build } from 'vite';

export default async function setup() {
  // Vitest runs with NODE_ENV=test; the app under test is the production build people get.
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: 'vite.config.ts', mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = before;
  }
}
