import { runCli } from './main.js';

// Entry point of `npm run cli -- <command>`; the logic lives in ./main.ts.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = code;
