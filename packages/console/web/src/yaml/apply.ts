/**
 * Validating and applying YAML the user wrote: each document is parsed, checked by the server (`dryRun=All`,
 * strict field validation), and only when every one passes are they applied, in order. A server error names the
 * fields; they are mapped back to their place in the text.
 */
import { parseAllDocuments } from 'yaml';
import { ApiError, type ApiClient } from '../api/client';
import { kindByName } from '../api/kinds';
import type { KubeObject } from '../api/types';
import { fieldRange } from './fieldPosition';
import type { FieldDiagnostic } from './YamlEditor';

export interface Problem extends FieldDiagnostic {
  /** The field the server named, when it named one. */
  field?: string;
}

interface ParsedDoc {
  object: KubeObject;
  /** Offset of the document in the whole text. */
  offset: number;
  text: string;
}

function parse(text: string): { docs: ParsedDoc[]; problems: Problem[] } {
  const docs: ParsedDoc[] = [];
  const problems: Problem[] = [];
  for (const doc of parseAllDocuments(text)) {
    if ('errors' in doc && doc.errors.length) {
      for (const e of doc.errors) problems.push({ from: e.pos[0], to: e.pos[1], message: `YAML: ${e.message.split('\n')[0]}` });
      continue;
    }
    const object = doc.toJS() as KubeObject | null;
    if (!object) continue;
    const [start, , end] = doc.range;
    docs.push({ object, offset: start, text: text.slice(start, end) });
  }
  return { docs, problems };
}

function problemsOf(err: unknown, doc: ParsedDoc): Problem[] {
  if (err instanceof ApiError && err.fields.length) {
    return (err.status?.details?.causes ?? []).map((c) => {
      const field = c.field ?? '';
      const range = fieldRange(doc.text, field) ?? [0, 0];
      return { from: doc.offset + range[0], to: doc.offset + range[1], field, message: `${field}: ${c.message ?? err.message}` };
    });
  }
  return [{ from: doc.offset, to: doc.offset + Math.min(doc.text.indexOf('\n') + 1 || doc.text.length, doc.text.length), message: err instanceof Error ? err.message : String(err) }];
}

export async function validateAndApply(api: ApiClient, text: string, apply: boolean): Promise<{ problems: Problem[]; applied: KubeObject[] }> {
  const { docs, problems } = parse(text);
  if (problems.length) return { problems, applied: [] };
  if (docs.length === 0) return { problems: [{ from: 0, to: 0, message: 'no object in the text' }], applied: [] };
  for (const doc of docs) {
    const kind = kindByName(String(doc.object.kind ?? ''));
    if (!kind) {
      problems.push({ from: doc.offset, to: doc.offset + doc.text.length, field: 'kind', message: `kind: ${JSON.stringify(doc.object.kind)} is not a kind the console applies` });
      continue;
    }
    if (!doc.object.metadata?.name) {
      problems.push({ from: doc.offset, to: doc.offset + doc.text.length, field: 'metadata.name', message: 'metadata.name: Required value' });
      continue;
    }
    try {
      await api.apply(kind, doc.object, true);
    } catch (err) {
      // A dry run of an object that refers to one created by an earlier document passes on the server (references
      // are checked by controllers), so every error here is the document's own.
      problems.push(...problemsOf(err, doc));
    }
  }
  if (problems.length || !apply) return { problems, applied: [] };
  const applied: KubeObject[] = [];
  for (const doc of docs) {
    try {
      applied.push(await api.apply(kindByName(String(doc.object.kind))!, doc.object, false));
    } catch (err) {
      return { problems: problemsOf(err, doc), applied };
    }
  }
  return { problems: [], applied };
}
