/**
 * Turns raw file bytes into text, or says precisely why it cannot: binary
 * content, UTF-16, invalid UTF-8 (with the position of the first bad byte).
 */
export type DecodeResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly code: 'MANIFEST_NOT_UTF8' | 'MANIFEST_BINARY_FILE'; readonly message: string; readonly line: number; readonly column: number };

/** Length of the valid UTF-8 sequence at i, or 0 when it is invalid. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number): boolean => i + k < bytes.length && ((bytes[i + k] as number) & 0xc0) === 0x80;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = bytes[i + 1] as number;
    if (b0 === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 === 0xed && b1 > 0x9f) return 0; // surrogates
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = bytes[i + 1] as number;
    if (b0 === 0xf0 && b1 < 0x90) return 0;
    if (b0 === 0xf4 && b1 > 0x8f) return 0;
    return 4;
  }
  return 0;
}

export function decodeManifestBytes(bytes: Uint8Array): DecodeResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, code: 'MANIFEST_NOT_UTF8', message: 'the file is UTF-16 encoded; save it as UTF-8', line: 1, column: 1 };
  }
  // Like git: a NUL byte early in the file means binary, whatever else it holds.
  if (bytes.subarray(0, 8000).includes(0)) {
    return { ok: false, code: 'MANIFEST_BINARY_FILE', message: 'the file contains NUL bytes: it looks binary, not YAML or JSON text', line: 1, column: 1 };
  }
  let line = 1;
  let column = 1;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b === 0) {
      return {
        ok: false,
        code: 'MANIFEST_BINARY_FILE',
        message: 'the file contains NUL bytes: it looks binary, not YAML or JSON text',
        line,
        column,
      };
    }
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      return {
        ok: false,
        code: 'MANIFEST_NOT_UTF8',
        message: `invalid UTF-8 byte 0x${b.toString(16).padStart(2, '0')} at byte offset ${i}; save the file as UTF-8`,
        line,
        column,
      };
    }
    if (b === 0x0a) {
      line++;
      column = 1;
    } else {
      column++;
    }
    i += n;
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return { ok: true, text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

/** Text that arrived as a string can still be binary (NUL) content. */
export function checkText(text: string): DecodeResult {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    const column = nul - before.lastIndexOf('\n');
    return { ok: false, code: 'MANIFEST_BINARY_FILE', message: 'the file contains NUL bytes: it looks binary, not YAML or JSON text', line, column };
  }
  return { ok: true, text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}
