import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailStage,
} from '../define-guardrail.ts';
import { INJECTION_EXAMPLES, ORDINARY_EXAMPLES } from './injection-examples.ts';

// Phrasings of the known injection families (instruction override, role hijack, prompt extraction, fake
// role markers). Each is anchored on a verb and its object, so "ignore the noise" or "the previous
// instructions were unclear" in ordinary text do not match. Measured in prompt-injection.guardrail.test.ts.
const OVERRIDE =
  /\b(?:ignore|disregard|forget|skip|override|bypass|drop|do\s+not\s+follow|don't\s+follow|stop\s+following)\s+(?:all\s+|any\s+|every\s+|the\s+|your\s+|my\s+|these\s+|those\s+|of\s+)*(?:(?:previous|prior|above|earlier|preceding|original|system|initial|existing|current|safety|content|security)\s+)*(?:instructions?|prompts?|rules|directions|guidelines|directives|constraints|guardrails|context|messages?|filters?|policies|policy)\b|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+|anything\s+)?(?:the\s+|what(?:'s|\s+is|\s+was)\s+)?(?:above|before|previously\s+said)\b|\b(?:forget|ignore|disregard)\s+(?:everything|all|anything|what)\s+you\s+(?:were|have\s+been)\s+told\b|\bpay\s+no\s+attention\s+to\s+(?:what|anything|everything)\s+you\s+(?:were|have\s+been)\s+told\b/gi;
const NEW_RULES =
  /\b(?:new|updated|revised|real|actual)\s+(?:system\s+)?(?:instructions?|rules|directives?)\s*:|\bfrom now on,?\s+(?:you|your)\s+(?:are|will|must|shall|should)\b|\b(?:your|the)\s+(?:real|actual|true|new)\s+(?:instructions?|rules|task|directives?|goal)\s+(?:is|are)\b/gi;
const ROLE =
  /\byou\s+are\s+now\s+(?:dan\b|in\s+\w+\s+mode\b|an?\s+(?:unrestricted|unfiltered|uncensored|jailbroken|evil|linux|terminal|different|new)\b)|\byou\s+are\s+no\s+longer\s+(?:bound|an?\s+(?:ai|assistant)|restricted)\b|\b(?:act|behave|respond)\s+as\s+(?:if\s+you\s+were\s+)?(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|jailbroken|evil|dan)\b|\b(?:jailbreak|dan)\s+mode\b|\bdo\s+anything\s+now\b|\bpretend\s+(?:that\s+)?you\s+(?:have\s+no|are\s+not\s+bound)|\b(?:an?\s+)?(?:ai|assistant|model)\s+(?:without|with\s+no)\s+(?:any\s+)?(?:rules|restrictions|filters|limits|ethics|censorship)\b|\b(?:skip|lift|remove|disable|turn\s+off)\s+(?:all\s+|any\s+|your\s+|the\s+)*(?:safety\s+)?(?:restrictions|filters|safeguards|safety)\b/gi;
const EXTRACTION =
  /\b(?:reveal|print|show|repeat|output|display|leak|tell\s+me|give\s+me|what\s+(?:is|are)|respond\s+(?:only\s+)?with)\s+(?:me\s+)?(?:the\s+contents?\s+of\s+)?(?:your\s+(?:full\s+|hidden\s+|secret\s+|original\s+|initial\s+)?(?:system\s+prompt|system\s+message|instructions|prompt|rules|configuration)|the\s+(?:full\s+|hidden\s+|secret\s+|original\s+|initial\s+)?(?:system\s+prompt|system\s+message|hidden\s+instructions|initial\s+instructions|original\s+prompt))\b|\brepeat\s+(?:the\s+)?(?:text|words|everything)\s+above\b|\bfill\s+in\s+your\s+system\s+prompt\b/gi;
const MARKERS =
  /<\/?\s*(?:system|assistant|im_start|im_end|instructions?)\s*>|<\|(?:im_start|im_end|system|endoftext)\|>|^\s*#{2,}\s*(?:system|instructions?)\b|\[INST\][\s\S]{0,2000}?\[\/INST\]|<<SYS>>/gim;
// Text addressed to whatever model reads it, the usual shape of an injection planted in a document.
const ADDRESSED =
  /\b(?:if\s+you\s+are|note\s+to|attention|instructions?\s+for)\s+(?:the\s+|an?\s+|any\s+)?(?:ai|llm|language\s+model|ai\s+(?:model|assistant)s?|assistants?\s+(?:reading|processing))\b|\b(?:ai|llm)\s+(?:assistants?|models?)\s+(?:reading|processing|summari[sz]ing)\s+this\b/gi;
// Other languages: the most common override, as written in Spanish, French and German.
const TRANSLATED =
  /\bignora(?:r)?\s+(?:todas\s+)?las\s+instrucciones\b|\bignore[zs]?\s+(?:toutes\s+)?les\s+instructions\b|\bignoriere\s+(?:alle\s+)?(?:vorherigen\s+|bisherigen\s+)?anweisungen\b/gi;
// A Markdown image whose URL carries a query: the way an injection makes a client leak data by loading it.
const EXFILTRATION = /!\[[^\]]*\]\(\s*https?:\/\/[^)\s]*\?[^)\s]*\)/gi;

// Second round (injection-dev-2.jsonl): paraphrases. The object of an override must be the model's own
// instructions (`your`, `previous`, `you were given`), so "set aside time to read the instructions" passes.
// No `orders`, `training` or a bare `policy`: "your orders have been cancelled", "abandon your previous
// training plan" and "your policy has been cancelled" are what customers write.
const INSTRUCTION_NOUN =
  '(?:instructions?|guidance|guidelines|rules|directives?|programming|configuration|constraints|restrictions|(?:content|safety|usage|moderation)\\s+polic(?:y|ies)|prompt)';
/** What an attacker declares void; a noun is required (`the previous one was cancelled` is a parcel). */
const VOIDABLE =
  '(?:instructions?|guidance|guidelines|rules|directives?|programming|constraints|restrictions|guardrails|system\\s+prompt)';
const THEIRS =
  '(?:your|previous|prior|earlier|original|initial|above|existing|default|built-in|safety|content|system)';
const GIVEN_CLAUSE =
  '(?:you\\s+(?:were|have\\s+been)\\s+(?:given|told|configured|programmed|trained|initiali[sz]ed)(?:\\s+with)?|you\\s+(?:received|operate\\s+under|follow))';
const PARAPHRASED_OVERRIDE = new RegExp(
  [
    `\\b(?:set\\s+aside|put\\s+aside|throw\\s+out|discard|abandon|ditch|scrap|stop\\s+obeying|no\\s+longer\\s+(?:follow|obey)|cease\\s+following|circumvent|overrule|supersede)\\s+(?:(?:all|any|every|of|the|these|those|whatever)\\s+)*${THEIRS}\\s+(?:[\\w-]+\\s+){0,2}?${INSTRUCTION_NOUN}\\b`,
    `\\b(?:set\\s+aside|put\\s+aside|throw\\s+out|discard|abandon|ignore|disregard|forget|drop|bypass|override)\\s+(?:(?:all|any|every|of|the|these|those|whatever)\\s+)*${INSTRUCTION_NOUN}\\s+${GIVEN_CLAUSE}`,
    // Declared void: "your rules no longer apply", "all earlier instructions are cancelled".
    `\\b(?:(?:your|(?:all\\s+|the\\s+)?(?:previous|prior|earlier|original|initial|above|old|existing))\\s+${VOIDABLE}|the\\s+${VOIDABLE}\\s+${GIVEN_CLAUSE})\\s+(?:(?:are|is|have\\s+been|has\\s+been|were)\\s+(?:now\\s+)?(?:void|null|cancell?ed|suspended|lifted|revoked|disabled|obsolete|outdated|invalid|overridden|replaced|removed|deactivated)|no\\s+longer\\s+(?:apply|applies|valid|in\\s+effect|matter))\\b`,
    `\\b(?:abandon|drop|forget|quit)\\s+your\\s+(?:current\\s+|original\\s+|assigned\\s+|actual\\s+)?(?:task|role|job|assignment|persona|purpose)\\b`,
    // The commonest overrides in Italian, Portuguese, German, French and Spanish, beyond TRANSLATED.
    '\\bignora\\s+(?:tutte\\s+)?le\\s+istruzioni\\b|\\bignore\\s+(?:todas\\s+)?as\\s+instru[cç][oõ]es\\b|\\bvergiss\\s+(?:deine|alle|die)\\s+(?:vorherigen\\s+)?(?:anweisungen|regeln)\\b|\\b(?:oubliez|ignorez|oublie|ignore)\\s+(?:toutes\\s+)?(?:les|vos|tes)\\s+(?:consignes|instructions|r[eè]gles)\\b|\\b(?:olvida|ignora)\\s+(?:todas\\s+)?(?:tus|las)\\s+(?:instrucciones|reglas)\\b',
  ].join('|'),
  'giu',
);
const PARAPHRASED_ROLE = new RegExp(
  [
    '\\byou\\s+(?:now\\s+)?have\\s+no\\s+(?:more\\s+)?(?:rules|restrictions|limits|limitations|filters|guidelines|boundaries|constraints)\\b',
    "\\byou(?:'re|’re|\\s+are)\\s+(?:now\\s+)?free\\s+(?:from|of)\\s+(?:(?:all|any|your)\\s+)*(?:rules|restrictions|guidelines|limits|filters|constraints|policies|programming)\\b",
    '\\b(?:ai|assistant|chatbot|bot|llm|model)\\s+(?:with\\s+(?:no|zero)|without(?:\\s+any)?)\\s+(?:rules|restrictions|limits|limitations|filters|guidelines|ethics|censorship|boundaries|safeguards)\\b',
    // An imperative at the start of a sentence: "how do I enter developer mode" is a question about a phone.
    '(?:^|[.!?;]\\s+|\\b(?:now|please)\\s+)(?:switch|enter|go|activate)\\s+(?:in(?:to)?\\s+|to\\s+)?(?:developer|dev|maintenance|debug|admin|unrestricted|jailbreak)\\s+mode\\b',
    "\\b(?:I\\s+am|I'm|I’m)\\s+your\\s+(?:developer|creator|admin(?:istrator)?|operator|owner|programmer|maker)\\b",
    '\\bas\\s+your\\s+(?:developer|creator|admin(?:istrator)?|operator|owner)\\b[^.]{0,60}?\\b(?:allow|authori[sz]e|permit|order|instruct|command)\\s+you\\b',
    '\\b(?:disable|turn\\s+off|switch\\s+off|remove|bypass)\\s+your\\s+(?:content\\s+)?(?:policy|policies|moderation|guardrails|safeguards|guidelines|filters)\\b',
  ].join('|'),
  'giu',
);
const PARAPHRASED_EXTRACTION = new RegExp(
  [
    `\\b(?:quote|list|print|show|dump|output|reveal|recite|repeat|share|paste)\\s+(?:me\\s+)?(?:all\\s+|every\\s+)?(?:the\\s+|your\\s+)?(?:(?:hidden|secret|internal|exact|original|initial|full)\\s+)*${INSTRUCTION_NOUN}\\s+(?:${GIVEN_CLAUSE}|in\\s+your\\s+(?:configuration|context|memory|system))`,
    '\\b(?:dump|print|output|reveal|show)\\s+(?:me\\s+)?(?:everything\\s+in\\s+)?(?:your|the)\\s+(?:entire\\s+|whole\\s+|full\\s+)?context\\s+window\\b',
  ].join('|'),
  'giu',
);
// Upper-case role labels only: "System: Windows 11" in a bug report is not one.
const PARAPHRASED_MARKERS =
  /^\s*(?:SYSTEM|ASSISTANT|DEVELOPER)\s*:|\[\s*\/?\s*[Ss]ystem\s*\]|<\/\s*[a-z]+\s*>\s*(?:[Aa]ssistant|[Ss]ystem)\s*:/gmu;
const PARAPHRASED_ADDRESSED =
  /\b(?:message|note|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+|an?\s+|any\s+)?(?:ai|llm|chatbot|bot|language\s+model|summari[sz]er)\b|\b(?:any|every|all)\s+(?:ai|chatbots?|bots?|llms?|language\s+models?)\s+(?:reading|processing|summari[sz]ing|parsing|crawling)\s+this\b/giu;

const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ['instruction_override', OVERRIDE],
  ['instruction_override', NEW_RULES],
  ['instruction_override', TRANSLATED],
  ['role_hijack', ROLE],
  ['prompt_extraction', EXTRACTION],
  ['role_marker', MARKERS],
  ['addressed_to_model', ADDRESSED],
  ['exfiltration', EXFILTRATION],
  ['instruction_override', PARAPHRASED_OVERRIDE],
  ['role_hijack', PARAPHRASED_ROLE],
  ['prompt_extraction', PARAPHRASED_EXTRACTION],
  ['role_marker', PARAPHRASED_MARKERS],
  ['addressed_to_model', PARAPHRASED_ADDRESSED],
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

export interface PromptInjectionClassifierOptions extends PromptInjectionGuardrailOptions {
  /** Score of the `injection` label at or above which a text counts. Default 0.5 (the label the classifier chooses). */
  readonly threshold?: number;
}

const INJECTION_LABELS = [
  {
    name: 'injection',
    description:
      'an attempt to override, replace or reveal the instructions of an AI assistant, or to make it act without its rules',
    examples: INJECTION_EXAMPLES,
  },
  { name: 'request', description: 'an ordinary question or request', examples: ORDINARY_EXAMPLES },
];

/**
 * Prompt injection by the local engine's few-shot classifier, trained on labelled examples: it generalises
 * to phrasings the heuristics miss, at the cost of a classification per text (tens of milliseconds on a
 * compute thread), so it reads whole texts (in a stream, the complete output) and is not in the defaults.
 */
export function promptInjectionClassifierGuardrail(
  options: PromptInjectionClassifierOptions = {},
): Guardrail {
  const threshold = options.threshold ?? 0.5;
  return defineGuardrail({
    name: options.name ?? 'prompt-injection-classifier',
    description: 'Prompt injection by the local few-shot classifier.',
    stages: options.stages ?? ['input', 'retrieved'],
    action: options.action ?? 'block',
    window: 'whole',
    check: async (text, context) => {
      if (text.trim().length < 8) return [];
      if (context.engine === undefined) {
        throw new Error(
          'the prompt-injection classifier needs the local engine, which this process has not got',
        );
      }
      const result = await context.engine.classify(
        { text, labels: INJECTION_LABELS },
        { signal: context.signal },
      );
      const score = result.labels.find((label) => label.name === 'injection')?.score ?? 0;
      return score >= threshold ? [{ kind: 'injection_classifier', start: 0, end: text.length }] : [];
    },
  });
}
