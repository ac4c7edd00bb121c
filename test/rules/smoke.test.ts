import { describe, expect, it } from 'vitest';
import { bucket, inventory, only, policies } from '../support/builders.js';

describe('builders', () => {
  it('audits a bucket', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1', { Versioning: {} })] });
    // Act
    const f = only('s3.versioning', inv, policies());
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([{ type: 'EnableBucketVersioning', region: 'eu-central-1', bucket: 'b1' }]);
  });
});
