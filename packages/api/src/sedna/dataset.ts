import { s, type Infer } from '../schema/dsl.js';

export const DatasetSpecSchema = s.object({
  url: s.string({ minLength: 1 }).describe('Path on the node, or an s3:// or http(s):// URL, of the dataset index file'),
  format: s.string({ minLength: 1 }).describe('txt or csv'),
  nodeName: s.string({ minLength: 1 }).describe('Node whose local controller watches the data'),
  credentialName: s.string().optional().describe('Secret with S3 credentials'),
});
export const DatasetStatusSchema = s.object({
  updateTime: s.time().optional(),
  numberOfSamples: s.int32({ minimum: 0 }).default(0),
});
export const DatasetBodySchema = s.object({ spec: DatasetSpecSchema, status: DatasetStatusSchema.optional() });
export type DatasetSpec = Infer<typeof DatasetSpecSchema>;
export type DatasetStatus = Infer<typeof DatasetStatusSchema>;
