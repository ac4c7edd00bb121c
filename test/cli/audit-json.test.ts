/** `audit --format json` is written a finding at a time, and is the same text as one JSON.stringify. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditInventory } from '../../src/app/audit.js';
import { auditJsonChunks } from '../../src/cli/format.js';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';

const inventory = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
const policies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
const result = auditInventory(inventory, policies, new Date(inventory.capturedAt));

describe('audit JSON in pieces', () => {
  it('is the same text as JSON.stringify of the whole result, one piece per finding', () => {
    const chunks = [...auditJsonChunks(result)];
    expect(chunks.join('')).toBe(`${JSON.stringify(result, null, 2)}\n`);
    expect(chunks.length).toBe(result.findings.length + 4);
    expect(JSON.parse(chunks.join(''))).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('keeps the shape without findings', () => {
    const empty = { ...result, findings: [] };
    expect([...auditJsonChunks(empty)].join('')).toBe(`${JSON.stringify(empty, null, 2)}\n`);
  });
});
