import { BlockSink } from './block-sink.ts';
import type { ParsedDocument } from './blocks.ts';
import type { ParseLimits } from './parse-limits.ts';

const LIST_ITEM = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+/;

/** Plain text: blank lines separate paragraphs; runs of bullet or numbered lines are lists. */
export function parsePlainText(text: string, limits: ParseLimits): ParsedDocument {
  const blocks = new BlockSink(limits);
  for (const section of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = section.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    let paragraph: string[] = [];
    let list: string[] = [];
    const flush = () => {
      if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
      if (list.length > 0) blocks.push({ kind: 'list', text: list.join('\n') });
      paragraph = [];
      list = [];
    };
    for (const line of lines) {
      if (LIST_ITEM.test(line)) {
        if (paragraph.length > 0) flush();
        list.push(line.trim());
      } else if (list.length > 0 && /^\s+/.test(line)) {
        list[list.length - 1] = `${list.at(-1)} ${line.trim()}`;
      } else {
        if (list.length > 0) flush();
        paragraph.push(line.trim());
      }
    }
    flush();
  }
  return { blocks: blocks.blocks };
}
