import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailStage,
} from '../define-guardrail.ts';

// Phrasings of the known injection families (instruction override, role hijack, prompt extraction, fake
// role markers). Each is anchored on a verb and its object, so "ignore the noise" or "the previous
// instructions were unclear" in ordinary text do not match. Measured in prompt-injection.guardrail.test.ts.
const OVERRIDE =
  /\b(?:ignore|disregard|forget|skip|override|bypass|drop)\s+(?:all\s+|any\s+|every\s+|the\s+|your\s+|my\s+|these\s+|those\s+)*(?:previous|prior|above|earlier|preceding|original|system|initial|existing|current)?\s*(?:instructions?|prompts?|rules|directions|guidelines|directives|constraints|guardrails|context|messages?)\b/gi;
const NEW_RULES =
  /\b(?:new|updated|revised|real|actual)\s+(?:system\s+)?(?:instructions?|rules|directives)\s*:|\bfrom now on,?\s+(?:you|your)\s+(?:are|will|must|shall|should)\b/gi;
const ROLE =
  /\byou\s+are\s+(?:now|no\s+longer)\b|\b(?:act|behave|respond)\s+as\s+(?:if\s+you\s+were\s+)?(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|jailbroken|evil|dan)\b|\b(?:developer|god|jailbreak|dan)\s+mode\b|\bdo\s+anything\s+now\b|\bpretend\s+(?:that\s+)?you\s+(?:have\s+no|are\s+not\s+bound)/gi;
const EXTRACTION =
  /\b(?:reveal|print|show|repeat|output|display|leak|tell\s+me|give\s+me|what\s+(?:is|are))\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|hidden\s+|secret\s+|original\s+|initial\s+)?(?:system\s+prompt|system\s+message|(?:hidden\s+|initial\s+|original\s+)?instructions|prompt)\b/gi;
const MARKERS =
  /<\/?\s*(?:system|assistant|im_start|im_end|instructions?)\s*>|<\|(?:im_start|im_end|system|endoftext)\|>|^\s*#{2,}\s*(?:system|instructions?)\b|\[\/?(?:INST|SYS)\]/gim;

const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ['instruction_override', OVERRIDE],
  ['instruction_override', NEW_RULES],
  ['role_hijack', ROLE],
  ['prompt_extraction', EXTRACTION],
  ['role_marker', MARKERS],
];

/** Every span of text that reads as an attempt to steer the model, by family. */
export function findInjections(text: string): Array<{ kind: string; start: number; end: number }> {
  const found: Array<{ kind: string; start: number; end: number }> = [];
  for (const [kind, pattern] of FAMILIES) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      found.push({ kind, start: match.index, end: match.index + match[0].length });
      if (match[0].length === 0) pattern.lastIndex++;
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

export interface PromptInjectionGuardrailOptions {
  readonly name?: string;
  readonly stages?: readonly GuardrailStage[];
  /** `block` refuses the call; `redact` removes the steering phrase (a retrieved chunk keeps the rest); `flag` records it. */
  readonly action?: GuardrailAction;
}

/** Prompt-injection heuristics over the caller's input and retrieved text (documents, tool results). */
export function promptInjectionGuardrail(options: PromptInjectionGuardrailOptions = {}): Guardrail {
  return defineGuardrail({
    name: options.name ?? 'prompt-injection',
    description: 'Instruction overrides, role hijacks, prompt extraction and fake role markers.',
    stages: options.stages ?? ['input', 'retrieved'],
    action: options.action ?? 'block',
    window: 160,
    check: (text) => findInjections(text),
  });
}
