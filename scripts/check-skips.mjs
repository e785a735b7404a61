#!/usr/bin/env node
// Reads the skipped tests the vitest runs of `npm test` recorded (tests/reporters/skip-recorder.ts),
// prints each with its reason, and — in CI (CI=true) — fails when one is not in
// tests/skip-allowlist.json (issue 22: no test may be skipped silently where the machine can run it).
import { existsSync, readFileSync } from 'node:fs';

const report = process.env.AUTOCODEX_OPS_SKIP_REPORT ?? '.test-results/skipped.jsonl';
const allowFile = process.env.AUTOCODEX_OPS_SKIP_ALLOWLIST ?? 'tests/skip-allowlist.json';
const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

const skipped = existsSync(report)
  ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
  : [];
const { allowed } = JSON.parse(readFileSync(allowFile, 'utf8'));
for (const entry of allowed) {
  if (!entry.file || !entry.test || !entry.reason) {
    console.error(`${allowFile}: every entry needs file, test and reason: ${JSON.stringify(entry)}`);
    process.exit(2);
  }
}
const reasonFor = (s) => allowed.find((a) => a.file === s.file && a.test === s.test)?.reason;

console.log(`\n==== skipped tests: ${skipped.length} ====`);
const refused = [];
for (const s of skipped) {
  const reason = reasonFor(s);
  if (reason === undefined) refused.push(s);
  console.log(`${reason === undefined ? 'NOT ALLOWED' : 'allowed    '}  [${s.project}] ${s.file} > ${s.test}`);
  console.log(`             reason: ${reason ?? s.note ?? `(${s.mode}; no reason given)`}`);
}
if (refused.length > 0) {
  const msg = `${refused.length} skipped test(s) are not in ${allowFile}: run them (the machine can), or list them there with the reason`;
  if (inCI) {
    console.error(`error: ${msg}`);
    process.exit(1);
  }
  console.error(`warning: ${msg} (fails the run when CI=true)`);
}
