import { s, type Infer } from '../schema/dsl.js';
import { MetricSchema } from './common.js';

export const ModelSpecSchema = s.object({
  url: s.string({ minLength: 1 }),
  format: s.string({ minLength: 1 }),
  // snake_case as in the original (Go field `Devices`).
  device_soc_versions: s.array(s.string()).optional(),
  credentialName: s.string().optional(),
});
export const ModelStatusSchema = s.object({
  updateTime: s.time().optional(),
  metrics: s.array(MetricSchema).optional(),
});
export const ModelBodySchema = s.object({ spec: ModelSpecSchema, status: ModelStatusSchema.optional() });
export type ModelSpec = Infer<typeof ModelSpecSchema>;
export type ModelStatus = Infer<typeof ModelStatusSchema>;
