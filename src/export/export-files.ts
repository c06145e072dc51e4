/**
 * Writing exported manifests, shared by every kind `ecs-gitops export`
 * writes: nothing is overwritten without `force`, and when any target exists
 * nothing at all is written; each file is written then renamed, so a reader
 * (or a controller watching the output folder) never sees half a file.
 */
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitopsError } from '../errors/index.js';

export interface FileToWrite {
  /** Absolute (or cwd-relative) path. */
  readonly path: string;
  readonly text: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The files of `planned` that already exist. */
export async function existingFiles(planned: readonly Pick<FileToWrite, 'path'>[]): Promise<string[]> {
  const existing: string[] = [];
  for (const p of planned) if (await exists(p.path)) existing.push(p.path);
  return existing;
}

/** Throws EXPORT_FILE_EXISTS, naming them, when any of `planned` exists (unless `force`). */
export async function refuseExistingFiles(planned: readonly Pick<FileToWrite, 'path'>[], force: boolean | undefined): Promise<void> {
  if (force) return;
  const existing = await existingFiles(planned);
  if (existing.length > 0) {
    throw new GitopsError('EXPORT_FILE_EXISTS',
      `${existing.length} file(s) already exist, nothing written (--force overwrites): ${existing.join(', ')}`, { files: existing });
  }
}

/** Writes one file (write then rename); a failure is EXPORT_WRITE_FAILED naming the file. */
export async function writeFileAtomically(file: FileToWrite, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await mkdir(path.dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    await writeFile(temp, file.text, { encoding: 'utf8', ...(signal ? { signal } : {}) });
    await rename(temp, file.path);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new GitopsError('EXPORT_WRITE_FAILED', `cannot write ${file.path}: ${(err as Error).message}`, { file: file.path }, { cause: err });
  }
}
