import { describe, expect, it } from 'vitest';
import { scrapeAnnotations } from './worker-pod.js';

describe('scrapeAnnotations', () => {
  it('annotates a worker that serves metrics on SEDNA_METRICS_ADDRESS, and no other', () => {
    expect(scrapeAnnotations([{ name: 'SEDNA_METRICS_ADDRESS', value: '0.0.0.0:9464' }])).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
    expect(scrapeAnnotations([{ name: 'OTHER', value: 'x:1' }])).toEqual({});
    expect(scrapeAnnotations(undefined)).toEqual({});
  });
});
