/**
 * A text cut to at most `maxBytes` of UTF-8, never inside a character; `cut` says whether anything
 * was dropped. Walks at most `maxBytes` characters, so a 50 MB text costs no more than a short one.
 */
export function cutUtf8(text: string, maxBytes: number): { text: string; cut: boolean } {
  // a UTF-16 unit is at most 3 UTF-8 bytes, so a text this short always fits
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const pair = code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(end + 1));
    // a lone surrogate is written as U+FFFD, three bytes
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    end += pair ? 2 : 1;
  }
  if (end === text.length) return { text, cut: false };
  // copied through a Buffer: V8 keeps a plain slice pointing into the whole text, which would hold it in memory
  return { text: Buffer.from(text.slice(0, end), 'utf8').toString('utf8'), cut: true };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
