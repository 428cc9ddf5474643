/**
 * COCO-style JSON annotations for detection and multi-object tracking (the original `JSONDataParse`,
 * a MOT loader): `{images: [...], annotations: [...], categories: [...]}`. One sample per image;
 * its label is the image's boxes as rows `[x0, y0, x1, y1, classIndex, trackId]`, where classIndex
 * is the category's position among the sorted category ids, as in the original.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { BaseDataSource, assertDataSourceType, type DataSourceType } from './base.js';
import { DataParseError, type MalformedPolicy, type SkippedLine } from './malformed.js';

export interface CocoImage {
  readonly id: number;
  /** As written in the JSON. */
  readonly fileName: string;
  /** `fileName` resolved against the image root. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly frameId: number;
  readonly videoId: number;
}

/** `[x0, y0, x1, y1, classIndex, trackId]`; trackId is -1 for annotations without a track. */
export type CocoBox = readonly [number, number, number, number, number, number];

/** The original `load_anno_from_ids` result, with named parts. */
export interface CocoImageAnnotations {
  readonly boxes: readonly CocoBox[];
  readonly info: { height: number; width: number; frameId: number; videoId: number; fileName: string };
  readonly fileName: string;
}

export interface CocoJsonOptions {
  dataType: DataSourceType;
  /** Folder image file names are relative to (default: the annotation file's folder). */
  imageRoot?: string;
  /** Annotations that fail validation: an error (default) or skipped and listed. */
  onMalformed?: MalformedPolicy;
}

export class CocoDataSource extends BaseDataSource<CocoImage, readonly CocoBox[]> {
  private readonly byId: Map<number, number>;

  constructor(
    dataType: DataSourceType,
    x: readonly CocoImage[],
    y: readonly (readonly CocoBox[])[],
    /** Sorted category ids; a box's classIndex indexes this list. */
    readonly classIds: readonly number[],
    readonly classNames: readonly string[],
    /** Ground-truth track files found under the image root (`<seq>/gt/gt_val_half.txt`), as the original. */
    readonly groundTruthFiles: readonly string[],
    /** Malformed annotations skipped under `onMalformed: 'skip'` (line is the entry's index + 1). */
    readonly skipped: readonly SkippedLine[],
  ) {
    super(dataType, x, y);
    this.byId = new Map(x.map((image, k) => [image.id, k]));
  }

  /** The boxes and image info of one image id (the original `load_anno_from_ids`). */
  loadAnnotations(imageId: number): CocoImageAnnotations {
    const k = this.byId.get(imageId);
    const image = k === undefined ? undefined : this.x[k];
    if (k === undefined || !image) throw new Error(`no image with id ${imageId} in this COCO source`);
    const boxes = this.y[k] ?? [];
    const { height, width, frameId, videoId, fileName } = image;
    return { boxes, info: { height, width, frameId, videoId, fileName }, fileName };
  }
}

export async function parseCocoJson(file: string, options: CocoJsonOptions): Promise<CocoDataSource> {
  assertDataSourceType(options.dataType, 'options.dataType');
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DataParseError(file, undefined, `cannot read COCO JSON: ${(err as Error).message}`);
  }
  const imageRoot = options.imageRoot ?? path.dirname(path.resolve(file));
  const parsed = interpretCoco(doc, file, imageRoot, options.onMalformed ?? 'error');
  const groundTruthFiles = await findGroundTruthFiles(imageRoot);
  return new CocoDataSource(
    options.dataType,
    parsed.images,
    parsed.images.map((image) => parsed.boxes.get(image.id) ?? []),
    parsed.classIds,
    parsed.classNames,
    groundTruthFiles,
    parsed.skipped,
  );
}

interface InterpretedCoco {
  images: CocoImage[];
  boxes: Map<number, CocoBox[]>;
  classIds: number[];
  classNames: string[];
  skipped: SkippedLine[];
}

function interpretCoco(doc: unknown, file: string, imageRoot: string, policy: MalformedPolicy): InterpretedCoco {
  const fail = (where: string, reason: string): never => {
    throw new DataParseError(file, undefined, `${where}: ${reason}`);
  };
  const failAt = (where: string) => (reason: string) => fail(where, reason);
  if (!isRecord(doc)) return fail('top level', 'expected an object with images, annotations and categories');
  const images = arrayField(doc, 'images', file);
  const annotations = arrayField(doc, 'annotations', file);
  const categories = arrayField(doc, 'categories', file);

  const classes = categories
    .map((c, k) => {
      if (!isRecord(c)) return fail(`categories[${k}]`, 'expected an object');
      return { id: intField(c, 'id', failAt(`categories[${k}]`)), name: typeof c.name === 'string' ? c.name : String(c.id) };
    })
    .sort((a, b) => a.id - b.id);
  const classIndex = new Map(classes.map((c, k) => [c.id, k]));

  const parsedImages: CocoImage[] = images.map((im, k) => {
    const where = `images[${k}]`;
    if (!isRecord(im)) return fail(where, 'expected an object');
    const at = failAt(where);
    const id = intField(im, 'id', at);
    // The original names a file without file_name after its zero-padded id.
    const fileName = typeof im.file_name === 'string' ? im.file_name : `${String(id).padStart(12, '0')}.jpg`;
    return {
      id,
      fileName,
      path: path.resolve(imageRoot, fileName),
      width: numberField(im, 'width', at),
      height: numberField(im, 'height', at),
      frameId: im.frame_id === undefined ? 0 : intField(im, 'frame_id', at),
      videoId: im.video_id === undefined ? 0 : intField(im, 'video_id', at),
    };
  });
  const imageIds = new Set<number>();
  parsedImages.forEach((im, k) => {
    if (imageIds.has(im.id)) fail(`images[${k}]`, `duplicate image id ${im.id}`);
    imageIds.add(im.id);
  });

  const skipped: SkippedLine[] = [];
  const boxes = new Map<number, CocoBox[]>();
  annotations.forEach((an, k) => {
    const where = `annotations[${k}]`;
    const issue = (reason: string): never => {
      throw new AnnotationIssue(reason);
    };
    try {
      if (!isRecord(an)) return issue('expected an object');
      if (an.iscrowd === 1 || an.iscrowd === true) return; // the original loads non-crowd annotations only
      const imageId = intField(an, 'image_id', issue);
      if (!imageIds.has(imageId)) issue(`image_id ${imageId} is not in images`);
      const categoryId = intField(an, 'category_id', issue);
      const cls = classIndex.get(categoryId);
      if (cls === undefined) return issue(`category_id ${categoryId} is not in categories`);
      const bbox = an.bbox;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        issue('bbox must be four numbers [x, y, width, height]');
      }
      const [bx, by, bw, bh] = bbox as [number, number, number, number];
      const area = an.area === undefined ? bw * bh : numberField(an, 'area', issue);
      // As the original: boxes with no area or negative size are dropped, not errors.
      if (!(area > 0) || bw < 0 || bh < 0) return;
      const trackId = an.track_id === undefined ? -1 : intField(an, 'track_id', issue);
      const list = boxes.get(imageId) ?? [];
      list.push([bx, by, bx + bw, by + bh, cls, trackId]);
      boxes.set(imageId, list);
    } catch (err) {
      if (!(err instanceof AnnotationIssue)) throw err;
      if (policy === 'error') fail(where, err.message);
      skipped.push({ file, line: k + 1, reason: `${where}: ${err.message}` });
    }
  });
  return { images: parsedImages, boxes, classIds: classes.map((c) => c.id), classNames: classes.map((c) => c.name), skipped };
}

async function findGroundTruthFiles(root: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries.sort()) {
    const candidate = path.join(root, entry, 'gt', 'gt_val_half.txt');
    try {
      if ((await stat(candidate)).isFile()) found.push(candidate);
    } catch {
      // no ground truth for this folder
    }
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayField(doc: Record<string, unknown>, key: string, file: string): unknown[] {
  const value = doc[key];
  if (!Array.isArray(value)) throw new DataParseError(file, undefined, `"${key}" must be an array`);
  return value;
}

/** A problem with one annotation entry, which the 'skip' policy may pass over. */
class AnnotationIssue extends Error {}

type Fail = (reason: string) => never;

function numberField(obj: Record<string, unknown>, key: string, fail: Fail): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`${key} must be a number; got ${JSON.stringify(value)}`);
  return value;
}

function intField(obj: Record<string, unknown>, key: string, fail: Fail): number {
  const value = numberField(obj, key, fail);
  if (!Number.isInteger(value)) return fail(`${key} must be an integer; got ${value}`);
  return value;
}
