/**
 * The file edit `ecs-gitops promote` makes (docs/environments.md,
 * "Promotion"): the images that run in one environment written into another
 * environment's override of the same document, as
 * `spec.environments.<env>.taskDefinition.containerDefinitions[{name, image}]`.
 * Container definitions merge by name, so an item carrying only `name` and
 * `image` changes the image and nothing else. Pure: text in, text out; the
 * YAML library keeps the file's comments, key order and other documents.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, YAMLMap, YAMLSeq, type Document } from 'yaml';

export interface ImagePromotion {
  readonly container: string;
  readonly image: string;
}

export interface PromotionEdit {
  /** 0-based index of the document in its file (ManifestProblem.documentIndex's numbering). */
  readonly documentIndex: number;
  readonly environment: string;
  readonly images: readonly ImagePromotion[];
}

export class PromotionEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionEditError';
  }
}

/** A mapping at `path` under `parent`, created (empty) when missing; an existing non-mapping is an error naming the path. */
function mapAt(doc: Document, path: readonly string[]): YAMLMap {
  const node = doc.getIn(path, true);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const created = new YAMLMap();
    doc.setIn(path, created);
    return created;
  }
  if (!isMap(node)) throw new PromotionEditError(`${path.join('.')} is not a mapping; promote writes a mapping there`);
  return node as YAMLMap;
}

function containersOf(doc: Document, overridePath: readonly string[]): YAMLSeq {
  const path = [...overridePath, 'taskDefinition', 'containerDefinitions'];
  mapAt(doc, [...overridePath, 'taskDefinition']);
  const node = doc.getIn(path, true);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const created = new YAMLSeq();
    doc.setIn(path, created);
    return created;
  }
  if (!isSeq(node)) throw new PromotionEditError(`${path.join('.')} is not a list; promote adds {name, image} items to it`);
  return node as YAMLSeq;
}

/**
 * The file's text with each image written into the environment's override of
 * document `documentIndex`; `changed` is false when every image was already
 * written there.
 */
export function writePromotion(text: string, edit: PromotionEdit): { readonly text: string; readonly changed: boolean } {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new PromotionEditError('the file has no YAML documents');
  const doc = docs[edit.documentIndex];
  if (!doc) throw new PromotionEditError(`the file has no document ${edit.documentIndex}`);
  if (doc.errors.length > 0) throw new PromotionEditError(`document ${edit.documentIndex} is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const overridePath = ['spec', 'environments', edit.environment];
  mapAt(doc, ['spec', 'environments']);
  mapAt(doc, overridePath);
  const containers = containersOf(doc, overridePath);
  let changed = false;
  for (const { container, image } of edit.images) {
    const item = containers.items.find((candidate) => isMap(candidate) && candidate.get('name') === container);
    if (item !== undefined) {
      if ((item as YAMLMap).get('image') === image) continue;
      (item as YAMLMap).set('image', image);
    } else {
      const added = new YAMLMap();
      added.set('name', container);
      added.set('image', image);
      containers.items.push(added);
    }
    changed = true;
  }
  if (!changed) return { text, changed: false };
  return { text: docs.map((d) => d.toString()).join(''), changed: true };
}
