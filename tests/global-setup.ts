// Runs once before all test files: builds the web app the browser tests serve, so parallel test
// files never rebuild dist/web under each other's feet.
import { build } from 'vite';

export default async function setup() {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
