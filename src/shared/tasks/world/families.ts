// The task families of the built-in world. A family is one underlying skill; its variants
// (the tasks) change label words, templates or lexicons, so unseen tasks can be new
// combinations of skills that training tasks exercise.
import type { MetricName } from '../types';
import type { Sampler } from './sampler';
import {
  ANIMALS, CAPITALS, CITIES, COLORS, COUNTRIES, DAYS, DIGIT_WORDS, EMOTION_ALT, EMOTIONS, EVENTS, FILLERS, FOODS,
  INSULTS, INTENSIFIERS, JOBS, NEGATIVE, OPPOSITE_PAIRS, OPPOSITES, PEOPLE, POSITIVE, RELATION_VALUES, RELATIONS,
  type Relation, REVIEWED, SOUNDS, TOPIC_ALT, TOPICS, WORLD,
} from './lexicon';

export interface GeneratedExample { input: string; output: string; alternatives?: string[] }
/** `cls` is the class index into `labels` for classification variants, -1 otherwise. */
export type MakeExample = (rng: Sampler, cls: number) => GeneratedExample;

export interface VariantSpec {
  readonly name: string;
  /** Classification variants: the label strings; examples are sampled per class. */
  readonly labels?: readonly string[];
  readonly make: MakeExample;
}

export interface FamilySpec {
  readonly family: string;
  readonly skill: string;
  readonly category: string;
  readonly metric: MetricName;
  /** A skill no training task has: all its tasks are test tasks (random split and its own domain). */
  readonly heldOutSkill?: boolean;
  /** Index of the variant held out as an unseen task (a new combination of seen skills). */
  readonly testVariant?: number;
  /** Inputs come from a small closed space (the fixed world, a lexicon): train and test may share inputs. */
  readonly closedWorld?: boolean;
  readonly variants: readonly VariantSpec[];
}

// ---------------------------------------------------------------- sentence helpers

const art = (w: string): string => (/^[aeiou]/.test(w) ? 'an' : 'a');
const others = <T>(xs: readonly T[], x: T): T[] => xs.filter((y) => y !== x);
const otherPerson = (rng: Sampler, p: string): string => rng.pick(others(PEOPLE, p));
const otherValue = (rng: Sampler, r: Relation, v: string): string => rng.pick(others(RELATION_VALUES[r], v));
const opt = (rng: Sampler, words: readonly string[]): string => (rng.chance(0.5) ? `${rng.pick(words)} ` : '');

/** Statements of one fact; template 0 is the canonical one (its verb agrees with the subject). */
const FACT_TEMPLATES: Readonly<Record<Relation, readonly ((p: string, v: string) => string)[]>> = {
  city: [(p, v) => `${p} lives in ${v}`, (p, v) => `${v} is where ${p} lives`, (p, v) => `the home of ${p} is ${v}`],
  job: [(p, v) => `${p} is ${art(v)} ${v}`, (p, v) => `${p} works as ${art(v)} ${v}`, (p, v) => `the job of ${p} is ${v}`],
  pet: [(p, v) => `${p} owns ${art(v)} ${v}`, (p, v) => `${p} has ${art(v)} ${v}`, (p, v) => `the pet of ${p} is ${art(v)} ${v}`],
  color: [(p, v) => `${p} likes ${v}`, (p, v) => `the favorite color of ${p} is ${v}`, (p, v) => `${p} loves the color ${v}`],
  food: [(p, v) => `${p} eats ${v}`, (p, v) => `the favorite food of ${p} is ${v}`, (p, v) => `${p} likes to eat ${v}`],
};
const fact = (r: Relation, p: string, v: string): string => FACT_TEMPLATES[r][0]!(p, v);
/** The canonical verb of each relation and its non-agreeing form (for grammaticality tasks). */
const AGREEMENT: Readonly<Record<Relation, readonly [string, string]>> = {
  city: ['lives', 'live'], job: ['is', 'are'], pet: ['owns', 'own'], color: ['likes', 'like'], food: ['eats', 'eat'],
};
const breakAgreement = (r: Relation, sentence: string): string => {
  const [good, bad] = AGREEMENT[r];
  return sentence.replace(` ${good} `, ` ${bad} `);
};

const QUESTION: Readonly<Record<Relation, (p: string) => string>> = {
  city: (p) => `where does ${p} live ?`,
  job: (p) => `what does ${p} do ?`,
  pet: (p) => `which animal does ${p} own ?`,
  color: (p) => `what color does ${p} like ?`,
  food: (p) => `what does ${p} eat ?`,
};
const SHORT_QUESTION = (r: Relation, p: string): string => `${r} of ${p} ?`;
const YES_NO_QUESTION: Readonly<Record<Relation, (p: string, v: string) => string>> = {
  city: (p, v) => `does ${p} live in ${v} ?`,
  job: (p, v) => `is ${p} ${art(v)} ${v} ?`,
  pet: (p, v) => `does ${p} own ${art(v)} ${v} ?`,
  color: (p, v) => `does ${p} like ${v} ?`,
  food: (p, v) => `does ${p} eat ${v} ?`,
};
const worldValue = (p: string, r: Relation): string => {
  const person = WORLD.find((x) => x.name === p);
  if (!person) throw new Error(`task world: no person ${p}`);
  return person[r];
};

/** `n` distinct items of a pool, in random order, joined by spaces. */
const list = (rng: Sampler, pool: readonly string[], lo: number, hi: number): string[] => rng.sample(pool, rng.int(lo, hi));

// ---------------------------------------------------------------- classification families

type SentimentTemplate = (rng: Sampler, adjective: string) => string;
const SENT_TEMPLATES: Readonly<Record<string, SentimentTemplate>> = {
  review: (rng, a) => `the ${rng.pick(REVIEWED)} was ${opt(rng, INTENSIFIERS)}${a} .`,
  opinion: (rng, a) => `${rng.pick(PEOPLE)} thinks the ${rng.pick(REVIEWED)} is ${opt(rng, INTENSIFIERS)}${a} .`,
  double: (rng, a) => {
    const [n1, n2] = rng.sample(REVIEWED, 2);
    const pool = POSITIVE.includes(a) ? POSITIVE : NEGATIVE;
    return `the ${n1} was ${a} and the ${n2} was ${rng.pick(others(pool, a))} .`;
  },
  stay: (rng, a) => `${rng.pick(PEOPLE)} stayed in ${rng.pick(CITIES)} and the ${rng.pick(REVIEWED)} was ${a} .`,
};
const sentiment = (name: string, template: string, labels: readonly [string, string], negated = false): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    // Class 0 is the positive side; a negated template flips which adjectives express it.
    const positive = (cls === 0) !== negated;
    const a = rng.pick(positive ? POSITIVE : NEGATIVE);
    const text = SENT_TEMPLATES[template]!(rng, a);
    return { input: negated ? text.replace(/ (was|is) /, ' $1 not ') : text, output: labels[cls]! };
  },
});

const TOPIC_TEMPLATES: Readonly<Record<string, (rng: Sampler, kw: string) => string>> = {
  news: (rng, kw) => `news : the ${kw} surprised everyone in ${rng.pick(CITIES)} .`,
  headline: (rng, kw) => `headline : ${rng.pick(CITIES)} sees a big ${kw} ${rng.pick(['today', 'yesterday'])}`,
  talk: (rng, kw) => `${rng.pick(PEOPLE)} talked about the ${kw} ${rng.pick(['today', 'yesterday'])} .`,
};
const topic = (name: string, template: string, topics: readonly string[], alt = false): VariantSpec => ({
  name,
  labels: topics.map((t) => (alt ? TOPIC_ALT[t]! : t)),
  make: (rng, cls) => {
    const t = topics[cls]!;
    return { input: TOPIC_TEMPLATES[template]!(rng, rng.pick(TOPICS[t]!)), output: alt ? TOPIC_ALT[t]! : t };
  },
});

const EMOTION_TEMPLATES: Readonly<Record<string, (rng: Sampler, verb: string) => string>> = {
  when: (rng, v) => `${rng.pick(PEOPLE)} ${v} when the ${rng.pick(EVENTS)} arrived .`,
  after: (rng, v) => `after the ${rng.pick(EVENTS)} came , ${rng.pick(PEOPLE)} ${v} .`,
};
const emotion = (name: string, template: string, emotions: readonly string[], labels: readonly string[]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => ({ input: EMOTION_TEMPLATES[template]!(rng, rng.pick(EMOTIONS[emotions[cls]!]!)), output: labels[cls]! }),
});

/** Premise/hypothesis about a person; classes: same fact, other person (unrelated), other value (conflict). */
const nli = (name: string, relations: readonly Relation[], labels: readonly string[], kinds: readonly ('entail' | 'neutral' | 'contra' | 'not')[]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    const r = rng.pick(relations);
    const p = rng.pick(PEOPLE);
    const v = rng.pick(RELATION_VALUES[r]);
    let kind = kinds[cls]!;
    if (kind === 'not') kind = rng.chance(0.5) ? 'neutral' : 'contra';
    const hp = kind === 'neutral' ? otherPerson(rng, p) : p;
    const hv = kind === 'contra' ? otherValue(rng, r, v) : kind === 'neutral' ? rng.pick(RELATION_VALUES[r]) : v;
    return { input: `premise : ${fact(r, p, v)} . hypothesis : ${fact(r, hp, hv)} .`, output: labels[cls]! };
  },
});

const paraphrase = (name: string, relations: readonly Relation[], labels: readonly [string, string]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    const r = rng.pick(relations);
    const p = rng.pick(PEOPLE);
    const v = rng.pick(RELATION_VALUES[r]);
    const [t1, t2] = rng.sample(FACT_TEMPLATES[r], 2);
    let p2 = p;
    let v2 = v;
    if (cls === 1) {
      if (rng.chance(0.5)) p2 = otherPerson(rng, p);
      else v2 = otherValue(rng, r, v);
    }
    return { input: `${t1!(p, v)} . ${t2!(p2, v2)} .`, output: labels[cls]! };
  },
});

const factCheck = (name: string, relations: readonly Relation[], labels: readonly [string, string]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    const r = rng.pick(relations);
    const p = rng.pick(PEOPLE);
    const truth = worldValue(p, r);
    const v = cls === 0 ? truth : otherValue(rng, r, truth);
    return { input: `claim : ${fact(r, p, v)} .`, output: labels[cls]! };
  },
});

const OFFENSIVE_TEMPLATES: Readonly<Record<string, (p: string, np: string) => string>> = {
  you: (p, np) => `${p} , you are ${np} .`,
  such: (p, np) => `${p} is such ${np} .`,
};
const offensive = (name: string, template: string, labels: readonly [string, string]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    // Both classes carry adjectives of both polarities, so sentiment alone cannot solve it.
    const noun = cls === 0 ? rng.pick(INSULTS) : rng.pick(JOBS);
    const adj = rng.chance(0.5) ? rng.pick([...POSITIVE, ...NEGATIVE]) : '';
    const np = adj ? `${art(adj)} ${adj} ${noun}` : `${art(noun)} ${noun}`;
    return { input: OFFENSIVE_TEMPLATES[template]!(rng.pick(PEOPLE), np), output: labels[cls]! };
  },
});

const acceptability = (name: string, error: 'agreement' | 'order'): VariantSpec => ({
  name,
  labels: ['acceptable', 'unacceptable'],
  make: (rng, cls) => {
    const r = rng.pick(RELATIONS);
    const s = fact(r, rng.pick(PEOPLE), rng.pick(RELATION_VALUES[r]));
    if (cls === 0) return { input: `${s} .`, output: 'acceptable' };
    if (error === 'agreement') return { input: `${breakAgreement(r, s)} .`, output: 'unacceptable' };
    const words = s.split(' ');
    // Reject orders that keep the verb second: "red likes anna" would still be grammatical.
    let shuffled = words;
    while (shuffled[1] === words[1]) shuffled = rng.shuffle(words);
    return { input: `${shuffled.join(' ')} .`, output: 'unacceptable' };
  },
});

const answerCheck = (name: string, short: boolean, labels: readonly [string, string]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    const r = rng.pick(RELATIONS);
    const p = rng.pick(PEOPLE);
    let sp = p;
    let sr: Relation = r;
    if (cls === 1) {
      if (rng.chance(0.5)) sp = otherPerson(rng, p);
      else sr = rng.pick(others(RELATIONS, r));
    }
    const q = short ? SHORT_QUESTION(r, p) : QUESTION[r](p);
    return { input: `question : ${q} sentence : ${fact(sr, sp, rng.pick(RELATION_VALUES[sr]))} .`, output: labels[cls]! };
  },
});

const compare = (name: string, relation: 'more' | 'less', labels: readonly [string, string]): VariantSpec => ({
  name,
  labels,
  make: (rng, cls) => {
    const [x, y] = rng.sample(NUMBERS_0_20, 2).sort((m, n) => m - n) as [number, number];
    // class 0: the statement holds.
    const holds = cls === 0;
    const [a, b] = (relation === 'more') === holds ? [y, x] : [x, y];
    return { input: `is ${a} ${relation} than ${b} ?`, output: labels[cls]! };
  },
});
const NUMBERS_0_20 = Array.from({ length: 21 }, (_, i) => i);

// ---------------------------------------------------------------- generation families

const extractiveQa = (name: string, relations: readonly Relation[], short: boolean): VariantSpec => ({
  name,
  make: (rng) => {
    const mixed = relations.length > 1;
    // Mixed contexts may say several things about one person, so the relation must be read too.
    const people = mixed ? [rng.pick(PEOPLE), ...rng.sample(PEOPLE, 2)] : rng.sample(PEOPLE, 3);
    const rels = mixed ? rng.sample(relations, 3) : [relations[0]!, relations[0]!, relations[0]!];
    const facts = people.map((p, i) => ({ p, r: rels[i]!, v: rng.pick(RELATION_VALUES[rels[i]!]) }));
    const order = rng.shuffle(facts);
    const ask = rng.pick(facts);
    const q = short ? SHORT_QUESTION(ask.r, ask.p) : QUESTION[ask.r](ask.p);
    // A person named in two facts of the same relation would be ambiguous; the sample avoids it.
    return { input: `${order.map((f) => fact(f.r, f.p, f.v)).join(' . ')} . ${q}`, output: ask.v };
  },
});

const mcFormat = (rng: Sampler, question: string, answer: string, distractorPool: readonly string[], n = 3): GeneratedExample => {
  const options = rng.shuffle([answer, ...rng.sample(others(distractorPool, answer), n - 1)]);
  return { input: `question : ${question} options : ${options.join(' , ')}`, output: answer };
};
const MC: Readonly<Record<string, MakeExample>> = {
  sound: (rng) => {
    const a = rng.pick(ANIMALS);
    return mcFormat(rng, `what does ${art(a)} ${a} say ?`, SOUNDS[a]!, Object.values(SOUNDS));
  },
  country: (rng) => {
    const c = rng.pick(CITIES);
    return mcFormat(rng, `${c} is the capital of which country ?`, CAPITALS[c]!, COUNTRIES, 4);
  },
  capital: (rng) => {
    const c = rng.pick(CITIES);
    return mcFormat(rng, `what is the capital of ${CAPITALS[c]!} ?`, c, CITIES);
  },
  opposite: (rng) => {
    const w = rng.pick(Object.keys(OPPOSITES));
    return mcFormat(rng, `what is the opposite of ${w} ?`, OPPOSITES[w]!, Object.keys(OPPOSITES));
  },
  digit: (rng) => {
    const d = rng.int(0, 9);
    return mcFormat(rng, `which word means ${d} ?`, DIGIT_WORDS[d]!, DIGIT_WORDS, 4);
  },
  reading: (rng) => {
    const r = rng.pick(RELATIONS);
    const [p1, p2] = rng.sample(PEOPLE, 2) as [string, string];
    const [v1, v2] = rng.sample(RELATION_VALUES[r], 2) as [string, string];
    const ask = rng.chance(0.5);
    const ex = mcFormat(rng, QUESTION[r](ask ? p1 : p2), ask ? v1 : v2, RELATION_VALUES[r]);
    return { input: `${fact(r, p1, v1)} . ${fact(r, p2, v2)} . ${ex.input.replace(/^question : /, '')}`, output: ex.output };
  },
  world: (rng) => {
    const r = rng.pick(RELATIONS);
    const p = rng.pick(PEOPLE);
    return mcFormat(rng, QUESTION[r](p), worldValue(p, r), RELATION_VALUES[r]);
  },
  sum: (rng) => {
    const a = rng.int(0, 10);
    const b = rng.int(0, 10);
    return mcFormat(rng, `what is ${a} plus ${b} ?`, String(a + b), NUMBERS_0_20.map(String));
  },
};

const CLOSED_BOOK: Readonly<Record<string, MakeExample>> = {
  city: (rng) => { const p = rng.pick(PEOPLE); return { input: QUESTION.city(p), output: worldValue(p, 'city') }; },
  job: (rng) => { const p = rng.pick(PEOPLE); return { input: QUESTION.job(p), output: worldValue(p, 'job') }; },
  pet: (rng) => { const p = rng.pick(PEOPLE); return { input: QUESTION.pet(p), output: worldValue(p, 'pet') }; },
  mixed: (rng) => {
    const p = rng.pick(PEOPLE);
    const r = rng.pick(RELATIONS);
    return { input: SHORT_QUESTION(r, p), output: worldValue(p, r) };
  },
  capital: (rng) => { const c = rng.pick(CITIES); return { input: `what is the capital of ${CAPITALS[c]!} ?`, output: c }; },
  sound: (rng) => { const a = rng.pick(ANIMALS); return { input: `what does ${art(a)} ${a} say ?`, output: SOUNDS[a]! }; },
};

const yesNoQa = (name: string, relations: readonly Relation[]): VariantSpec => ({
  name,
  make: (rng) => {
    const r = rng.pick(relations);
    const [p1, p2] = rng.sample(PEOPLE, 2) as [string, string];
    const v1 = rng.pick(RELATION_VALUES[r]);
    const v2 = rng.pick(RELATION_VALUES[r]);
    const askFirst = rng.chance(0.5);
    const [p, v] = askFirst ? [p1, v1] : [p2, v2];
    const yes = rng.chance(0.5);
    const asked = yes ? v : otherValue(rng, r, v);
    return { input: `context : ${fact(r, p1, v1)} . ${fact(r, p2, v2)} . question : ${YES_NO_QUESTION[r](p, asked)}`, output: yes ? 'yes' : 'no' };
  },
});

const POOLS: Readonly<Record<string, readonly string[]>> = { animals: ANIMALS, colors: COLORS, foods: FOODS };
const transform = (name: string, pool: readonly string[], lo: number, hi: number, f: (xs: string[]) => string[]): VariantSpec => ({
  name,
  make: (rng) => {
    const xs = list(rng, pool, lo, hi);
    return { input: xs.join(' '), output: f(xs).join(' ') };
  },
});
const mixedTransform = (name: string, keep: readonly string[], drop: readonly string[], f: (xs: string[]) => string[]): VariantSpec => ({
  name,
  make: (rng) => {
    // At least one item of each kind, so filtering always changes something and never empties.
    const xs = rng.shuffle([...rng.sample(keep, rng.int(1, 3)), ...rng.sample(drop, rng.int(1, 3))]);
    return { input: xs.join(' '), output: f(xs).join(' ') };
  },
});
const alpha = (xs: string[]): string[] => xs.slice().sort();
const mapList = (name: string, pool: readonly string[], lexicon: (w: string) => string): VariantSpec => ({
  name,
  make: (rng) => {
    const xs = list(rng, pool, 2, 4);
    return { input: xs.join(' '), output: xs.map(lexicon).join(' ') };
  },
});
const dedupe = (name: string, pool: readonly string[]): VariantSpec => ({
  name,
  make: (rng) => {
    const base = list(rng, pool, 3, 4);
    const dups = rng.sample(base, rng.int(1, 2));
    const xs = rng.shuffle([...base, ...dups]);
    return { input: xs.join(' '), output: xs.filter((x, i) => xs.indexOf(x) === i).join(' ') };
  },
});
const count = (name: string, counted: readonly string[], rest: readonly string[]): VariantSpec => ({
  name,
  make: (rng) => {
    // Never an empty input: with no distractor pool at least one counted item is drawn.
    const k = rng.int(rest.length === 0 ? 1 : 0, 5);
    const xs = rng.shuffle([...rng.sample(counted, k), ...rng.sample(rest, rng.int(k === 0 ? 1 : 0, Math.min(4, rest.length)))]);
    return { input: xs.join(' '), output: String(k) };
  },
});

const arithmetic = (name: string, f: (rng: Sampler) => [string, number]): VariantSpec => ({
  name,
  make: (rng) => {
    const [input, value] = f(rng);
    return { input, output: String(value) };
  },
});

const TABLE = (rng: Sampler): Record<string, string> & { text: string } => {
  const s = { city: rng.pick(CITIES), people: String(rng.int(2, 9)), time: String(rng.int(1, 11)), day: rng.pick(DAYS) };
  return { ...s, text: `book a table for ${s.people} people in ${s.city} at ${s.time} pm on ${s.day}` };
};
const FLIGHT = (rng: Sampler): Record<string, string> & { text: string } => {
  const [from, to] = rng.sample(CITIES, 2) as [string, string];
  const day = rng.pick(DAYS);
  return { from, to, day, text: `i want to fly from ${from} to ${to} on ${day} please` };
};
const slot = (name: string, frame: (rng: Sampler) => Record<string, string> & { text: string }, key: string): VariantSpec => ({
  name,
  make: (rng) => {
    const s = frame(rng);
    return { input: s.text, output: s[key]! };
  },
});

const KEY_FACTS: readonly ((rng: Sampler, p: string) => string)[] = [
  (rng, p) => `${p} went to ${rng.pick(CITIES)} on ${rng.pick(DAYS)}`,
  (rng, p) => `${p} visited ${otherPerson(rng, p)} in ${rng.pick(CITIES)}`,
  (rng, p) => `${p} won the race in ${rng.pick(CITIES)}`,
  (rng, p) => `${p} met ${otherPerson(rng, p)} on ${rng.pick(DAYS)}`,
];
const summary = (name: string, position: 'first' | 'last' | 'any'): VariantSpec => ({
  name,
  make: (rng) => {
    const key = rng.pick(KEY_FACTS)(rng, rng.pick(PEOPLE));
    const fillers = rng.sample(FILLERS, 2);
    const at = position === 'first' ? 0 : position === 'last' ? 2 : rng.int(0, 2);
    const sents = [...fillers];
    sents.splice(at, 0, key);
    return { input: `${sents.join(' . ')} .`, output: key };
  },
});
const headline: VariantSpec = {
  name: 'summary-headline',
  make: (rng) => {
    const p = rng.pick(PEOPLE);
    const c = rng.pick(CITIES);
    return { input: `${p} , the ${rng.pick(JOBS)} from ${c} , won the race on ${rng.pick(DAYS)} . ${rng.pick(FILLERS)} .`, output: `${p} from ${c} won` };
  },
};

const dataToText = (name: string, fields: readonly Relation[]): VariantSpec => ({
  name,
  make: (rng) => {
    const p = rng.pick(PEOPLE);
    const v = Object.fromEntries(fields.map((f) => [f, rng.pick(RELATION_VALUES[f])])) as Partial<Record<Relation, string>>;
    const record = [`name : ${p}`, ...fields.map((f) => `${f} : ${v[f]!}`)].join(' | ');
    const parts: string[] = [];
    if (v.job) parts.push(`${p} is ${art(v.job)} ${v.job}`);
    if (v.city) parts.push(v.job ? `who lives in ${v.city}` : `${p} lives in ${v.city}`);
    if (v.pet) parts.push(parts.length ? `and owns ${art(v.pet)} ${v.pet}` : `${p} owns ${art(v.pet)} ${v.pet}`);
    if (v.color) parts.push(parts.length ? `and likes ${v.color}` : `${p} likes ${v.color}`);
    return { input: record, output: parts.join(' ') };
  },
});

const rewrite: readonly VariantSpec[] = [
  {
    // The inverse of fuse: the second clause needs its subject back.
    name: 'rewrite-split',
    make: (rng) => {
      const p = rng.pick(PEOPLE);
      const [r1, r2] = rng.sample(RELATIONS, 2) as [Relation, Relation];
      const f1 = fact(r1, p, rng.pick(RELATION_VALUES[r1]));
      const f2 = fact(r2, p, rng.pick(RELATION_VALUES[r2]));
      // No space before "." in an output: decoding cleans up " ." (as the reference decode does), so it could never match.
      return { input: `${f1} and ${f2.slice(p.length + 1)}`, output: `${f1}. ${f2}.` };
    },
  },
  {
    name: 'rewrite-fuse',
    make: (rng) => {
      const p = rng.pick(PEOPLE);
      const [r1, r2] = rng.sample(RELATIONS, 2) as [Relation, Relation];
      const f1 = fact(r1, p, rng.pick(RELATION_VALUES[r1]));
      const f2 = fact(r2, p, rng.pick(RELATION_VALUES[r2]));
      return { input: `${f1} . ${f2} .`, output: `${f1} and ${f2.slice(p.length + 1)}` };
    },
  },
];

const DIALOGUE: readonly VariantSpec[] = [
  {
    name: 'dialogue-order',
    make: (rng) => {
      const [a, b] = rng.sample(FOODS, 2) as [string, string];
      const p = rng.pick(PEOPLE);
      return { input: `user : i would like some ${a} and ${b} for ${p}`, output: `sure ${p} , ${a} and ${b}` };
    },
  },
  {
    name: 'dialogue-greet',
    make: (rng) => {
      const p = rng.pick(PEOPLE);
      const c = rng.pick(CITIES);
      return { input: `user : hello , i am ${p} from ${c}`, output: `welcome ${p} of ${c}` };
    },
  },
  {
    name: 'dialogue-travel',
    make: (rng) => {
      const c = rng.pick(CITIES);
      const d = rng.pick(DAYS);
      const n = rng.int(2, 9);
      return { input: `user : i want to go to ${c} on ${d} with ${n} people`, output: `sure , ${n} tickets to ${c} on ${d}` };
    },
  },
];

const rating = (name: string, scale: (pos: number, k: number) => number): VariantSpec => ({
  name,
  make: (rng) => {
    const k = rng.int(2, 4);
    const nouns = rng.sample(REVIEWED, k);
    let pos = 0;
    const clauses = nouns.map((n) => {
      const good = rng.chance(0.5);
      if (good) pos++;
      return `the ${n} was ${rng.pick(good ? POSITIVE : NEGATIVE)}`;
    });
    return { input: `${clauses.join(' , ')} .`, output: String(scale(pos, k)) };
  },
});

const grammarChoice = (name: string, r: Relation): VariantSpec => ({
  name,
  make: (rng) => {
    const good = fact(r, rng.pick(PEOPLE), rng.pick(RELATION_VALUES[r]));
    const bad = breakAgreement(r, good);
    const [a, b] = rng.chance(0.5) ? [good, bad] : [bad, good];
    return { input: `options : ${a} | ${b}`, output: good };
  },
});

const explain = (name: string, r: Relation): VariantSpec => ({
  name,
  make: (rng) => {
    const [p, q] = rng.sample(PEOPLE, 2) as [string, string];
    const v = rng.pick(RELATION_VALUES[r]);
    const ctx = rng.shuffle([fact(r, p, v), fact(r, q, rng.pick(RELATION_VALUES[r]))]);
    return {
      input: `context : ${ctx.join(' . ')} . claim : ${fact(r, p, otherValue(rng, r, v))} . why false ?`,
      output: `because ${fact(r, p, v)}`,
    };
  },
});

// ---------------------------------------------------------------- the catalogue

const L = {
  posneg: ['positive', 'negative'], goodbad: ['good', 'bad'], yesno: ['yes', 'no'], happysad: ['happy', 'sad'],
  stars: ['5', '1'], truefalse: ['true', 'false'], supports: ['supports', 'refutes'], same: ['same', 'different'],
  paraphrase: ['paraphrase', 'different'], bits: ['1', '0'], offensive: ['offensive', 'normal'], toxic: ['toxic', 'clean'],
} as const;
const ALL_TOPICS = Object.keys(TOPICS);
const EMO = Object.keys(EMOTIONS);

export const FAMILIES: readonly FamilySpec[] = [
  {
    family: 'sentiment', skill: 'polarity of an opinion word', category: 'cls/sentiment analysis', metric: 'Classification-F1', testVariant: 7,
    variants: [
      sentiment('sentiment-review-posneg', 'review', L.posneg), sentiment('sentiment-opinion-posneg', 'opinion', L.posneg),
      sentiment('sentiment-review-goodbad', 'review', L.goodbad), sentiment('sentiment-double-posneg', 'double', L.posneg),
      sentiment('sentiment-stay-yesno', 'stay', L.yesno), sentiment('sentiment-opinion-happysad', 'opinion', L.happysad),
      sentiment('sentiment-review-stars', 'review', L.stars), sentiment('sentiment-double-goodbad', 'double', L.goodbad),
    ],
  },
  {
    family: 'negated-sentiment', skill: 'negation flips polarity', category: 'cls/sentiment analysis', metric: 'Classification-F1', heldOutSkill: true,
    variants: [sentiment('negation-review-posneg', 'review', L.posneg, true), sentiment('negation-opinion-yesno', 'opinion', L.yesno, true)],
  },
  {
    family: 'topic', skill: 'topic of a keyword', category: 'cls/topic', metric: 'Classification-F1', testVariant: 6,
    variants: [
      topic('topic-news-five', 'news', ALL_TOPICS), topic('topic-headline-five', 'headline', ALL_TOPICS),
      topic('topic-talk-alt', 'talk', ALL_TOPICS, true), topic('topic-news-three', 'news', ['sports', 'music', 'weather']),
      topic('topic-headline-four', 'headline', ['science', 'politics', 'sports', 'music']), topic('topic-talk-five', 'talk', ALL_TOPICS),
      topic('topic-news-alt', 'news', ALL_TOPICS, true),
    ],
  },
  {
    family: 'emotion', skill: 'emotion of a reaction verb', category: 'cls/emotion', metric: 'Classification-F1', testVariant: 3,
    variants: [
      emotion('emotion-when-four', 'when', EMO, EMO), emotion('emotion-after-four', 'after', EMO, EMO),
      emotion('emotion-when-adjectives', 'when', EMO, EMO.map((e) => EMOTION_ALT[e]!)),
      emotion('emotion-after-adjectives', 'after', EMO, EMO.map((e) => EMOTION_ALT[e]!)),
      emotion('emotion-when-posneg', 'when', ['joy', 'sadness'], L.posneg),
    ],
  },
  {
    family: 'nli', skill: 'compare two statements about a person', category: 'cls/nli', metric: 'Classification-F1', testVariant: 5,
    variants: [
      nli('nli-city-three', ['city'], ['entailment', 'neutral', 'contradiction'], ['entail', 'neutral', 'contra']),
      nli('nli-job-three', ['job'], ['entailment', 'neutral', 'contradiction'], ['entail', 'neutral', 'contra']),
      nli('nli-pet-three', ['pet'], ['entailment', 'neutral', 'contradiction'], ['entail', 'neutral', 'contra']),
      nli('nli-mixed-two', RELATIONS, ['entailment', 'not_entailment'], ['entail', 'not']),
      nli('nli-city-yesno', ['city'], L.yesno, ['entail', 'not']),
      nli('nli-mixed-maybe', RELATIONS, ['yes', 'maybe', 'no'], ['entail', 'neutral', 'contra']),
    ],
  },
  {
    family: 'paraphrase', skill: 'same fact in other words', category: 'cls/paraphrase', metric: 'Classification-F1', testVariant: 3,
    variants: [
      paraphrase('paraphrase-city', ['city'], L.paraphrase), paraphrase('paraphrase-job-same', ['job'], L.same),
      paraphrase('paraphrase-pet-yesno', ['pet'], L.yesno), paraphrase('paraphrase-mixed', RELATIONS, L.paraphrase),
      paraphrase('paraphrase-food-bits', ['food', 'color'], L.bits),
    ],
  },
  {
    family: 'fact-checking', skill: 'recall the fixed world', category: 'cls/fact checking', metric: 'Classification-F1', closedWorld: true,
    variants: [
      factCheck('factcheck-city', ['city'], L.truefalse), factCheck('factcheck-job', ['job'], L.truefalse),
      factCheck('factcheck-pet', ['pet'], L.supports), factCheck('factcheck-color', ['color'], L.truefalse),
      factCheck('factcheck-food', ['food'], L.supports), factCheck('factcheck-mixed', RELATIONS, L.yesno),
    ],
  },
  {
    family: 'offensive', skill: 'spot an insult', category: 'cls/hate speech detection', metric: 'Classification-F1', testVariant: 3,
    variants: [
      offensive('offensive-you', 'you', L.offensive), offensive('offensive-such', 'such', L.offensive),
      offensive('offensive-you-toxic', 'you', L.toxic), offensive('offensive-such-yesno', 'such', L.yesno),
    ],
  },
  {
    family: 'acceptability', skill: 'grammaticality', category: 'cls/other', metric: 'Matthew-Correlation',
    variants: [acceptability('acceptability-agreement', 'agreement'), acceptability('acceptability-order', 'order')],
  },
  {
    family: 'answer-check', skill: 'does a sentence answer a question', category: 'cls/other', metric: 'Classification-F1',
    variants: [
      answerCheck('answercheck-yesno', false, L.yesno), answerCheck('answercheck-truefalse', false, L.truefalse),
      answerCheck('answercheck-short-yesno', true, L.yesno), answerCheck('answercheck-short-bits', true, L.bits),
    ],
  },
  {
    family: 'compare-numbers', skill: 'order of two numbers', category: 'cls/other', metric: 'ACC',
    variants: [compare('compare-more-yesno', 'more', L.yesno), compare('compare-less-yesno', 'less', L.yesno), compare('compare-more-truefalse', 'more', L.truefalse)],
  },
  // ---- non-classification
  {
    family: 'extractive-qa', skill: 'look a fact up in a context', category: 'qa/machine reading comprehension', metric: 'QA-F1', testVariant: 7,
    variants: [
      extractiveQa('qa-city', ['city'], false), extractiveQa('qa-city-short', ['city'], true),
      extractiveQa('qa-job', ['job'], false), extractiveQa('qa-job-short', ['job'], true),
      extractiveQa('qa-pet', ['pet'], false), extractiveQa('qa-pet-short', ['pet'], true),
      extractiveQa('qa-mixed', RELATIONS, false), extractiveQa('qa-mixed-short', RELATIONS, true),
    ],
  },
  {
    family: 'multiple-choice', skill: 'pick the right option', category: 'qa/multiple-choice qa', metric: 'ACC', testVariant: 7,
    variants: Object.entries(MC).map(([k, make]) => ({ name: `choice-${k}`, make })),
  },
  {
    family: 'closed-book-qa', skill: 'recall the fixed world and lexicons', category: 'qa/closed-book qa', metric: 'EM', closedWorld: true,
    variants: Object.entries(CLOSED_BOOK).map(([k, make]) => ({ name: `closedbook-${k}`, make })),
  },
  {
    family: 'yes-no-qa', skill: 'verify a question against a context', category: 'qa/binary', metric: 'ACC',
    variants: [yesNoQa('yesno-city', ['city']), yesNoQa('yesno-job', ['job']), yesNoQa('yesno-pet', ['pet']), yesNoQa('yesno-mixed', RELATIONS)],
  },
  {
    family: 'copy', skill: 'copy the input', category: 'other/other', metric: 'EM',
    variants: [transform('copy-animals', ANIMALS, 3, 5, (xs) => xs), transform('copy-colors', COLORS, 3, 5, (xs) => xs)],
  },
  {
    family: 'reverse', skill: 'reverse a list', category: 'other/other', metric: 'EM', testVariant: 2,
    variants: ['animals', 'colors', 'foods'].map((k) => transform(`reverse-${k}`, POOLS[k]!, 3, 5, (xs) => xs.slice().reverse())),
  },
  {
    family: 'sort', skill: 'sort a list', category: 'other/other', metric: 'EM',
    variants: [
      transform('sort-animals', ANIMALS, 3, 5, alpha), transform('sort-colors', COLORS, 3, 5, alpha),
      transform('sort-numbers', NUMBERS_0_20.map(String), 3, 5, (xs) => xs.slice().sort((a, b) => Number(a) - Number(b))),
    ],
  },
  {
    family: 'filter', skill: 'keep the items of one kind', category: 'other/other', metric: 'EM',
    variants: [
      mixedTransform('filter-animals', ANIMALS, COLORS, (xs) => xs.filter((x) => ANIMALS.includes(x))),
      mixedTransform('filter-colors', COLORS, FOODS, (xs) => xs.filter((x) => COLORS.includes(x))),
      mixedTransform('filter-drop-foods', ANIMALS, FOODS, (xs) => xs.filter((x) => !FOODS.includes(x))),
    ],
  },
  {
    family: 'map', skill: 'map words through a lexicon', category: 'other/other', metric: 'EM', testVariant: 3,
    variants: [
      mapList('map-sound', ANIMALS, (w) => SOUNDS[w]!),
      mapList('map-capital', COUNTRIES, (w) => CITIES.find((c) => CAPITALS[c] === w)!),
      mapList('map-digit', NUMBERS_0_20.slice(0, 10).map(String), (w) => DIGIT_WORDS[Number(w)]!),
      mapList('map-opposite', OPPOSITE_PAIRS.map(([a]) => a), (w) => OPPOSITES[w]!),
    ],
  },
  {
    family: 'select', skill: 'pick an item by position', category: 'other/other', metric: 'EM',
    variants: [
      transform('select-first', [...ANIMALS, ...COLORS, ...FOODS], 3, 5, (xs) => xs.slice(0, 1)),
      transform('select-last', [...ANIMALS, ...COLORS, ...FOODS], 3, 5, (xs) => xs.slice(-1)),
    ],
  },
  {
    family: 'dedupe', skill: 'remove repeated items', category: 'other/other', metric: 'EM', heldOutSkill: true,
    variants: [dedupe('dedupe-animals', ANIMALS), dedupe('dedupe-colors', COLORS)],
  },
  {
    family: 'count', skill: 'count the items of one kind', category: 'other/other', metric: 'EM',
    variants: [count('count-animals', ANIMALS, COLORS), count('count-colors', COLORS, FOODS), count('count-words', [...ANIMALS, ...FOODS], [])],
  },
  {
    family: 'arithmetic', skill: 'small-number arithmetic', category: 'other/other', metric: 'EM', testVariant: 5,
    variants: [
      arithmetic('arith-add', (rng) => { const a = rng.int(0, 15); const b = rng.int(0, 15); return [`${a} plus ${b}`, a + b]; }),
      arithmetic('arith-subtract', (rng) => { const a = rng.int(0, 20); const b = rng.int(0, a); return [`${a} minus ${b}`, a - b]; }),
      arithmetic('arith-add-three', (rng) => { const [a, b, c] = [rng.int(0, 6), rng.int(0, 6), rng.int(0, 6)]; return [`${a} plus ${b} plus ${c}`, a + b + c]; }),
      arithmetic('arith-max', (rng) => { const xs = rng.sample(NUMBERS_0_20, 3); return [xs.join(' '), Math.max(...xs)]; }),
      arithmetic('arith-min', (rng) => { const xs = rng.sample(NUMBERS_0_20, 3); return [xs.join(' '), Math.min(...xs)]; }),
      arithmetic('arith-word-add', (rng) => { const a = rng.int(0, 9); const b = rng.int(0, 20); return [`${DIGIT_WORDS[a]!} plus ${b}`, a + b]; }),
    ],
  },
  {
    family: 'slot-filling', skill: 'extract a slot from a request', category: 'other/slot_filling', metric: 'EM', testVariant: 5,
    variants: [
      slot('slot-table-city', TABLE, 'city'), slot('slot-table-people', TABLE, 'people'), slot('slot-table-day', TABLE, 'day'),
      slot('slot-flight-from', FLIGHT, 'from'), slot('slot-flight-to', FLIGHT, 'to'), slot('slot-flight-day', FLIGHT, 'day'),
    ],
  },
  {
    family: 'summarization', skill: 'keep the key fact, drop filler', category: 'cg/summarization', metric: 'Rouge-L', testVariant: 2,
    variants: [summary('summary-first', 'first'), summary('summary-last', 'last'), summary('summary-any', 'any'), headline],
  },
  {
    family: 'data-to-text', skill: 'verbalise a record', category: 'cg/other', metric: 'Rouge-L', testVariant: 2,
    variants: [dataToText('record-city-job', ['job', 'city']), dataToText('record-pet-color', ['pet', 'color']), dataToText('record-all', ['job', 'city', 'pet'])],
  },
  { family: 'rewrite', skill: 'split or fuse sentences', category: 'cg/other', metric: 'Rouge-L', variants: rewrite },
  { family: 'dialogue', skill: 'templated replies', category: 'cg/dialogue', metric: 'Rouge-L', variants: DIALOGUE },
  {
    family: 'rating', skill: 'score the share of positive clauses', category: 'other/regression', metric: 'Pearson-Correlation',
    variants: [
      rating('rating-five', (pos, k) => 1 + Math.round((4 * pos) / k)),
      rating('rating-ten', (pos, k) => Math.round((10 * pos) / k)),
      rating('rating-count', (pos) => pos),
    ],
  },
  {
    family: 'grammar-choice', skill: 'grammaticality', category: 'other/linguistic phenomenon', metric: 'ACC',
    variants: [grammarChoice('grammar-city', 'city'), grammarChoice('grammar-job', 'job'), grammarChoice('grammar-pet', 'pet')],
  },
  {
    family: 'entity-linking', skill: 'link a city and its country', category: 'other/entity linking', metric: 'EM',
    variants: [
      { name: 'link-country', make: (rng) => { const c = rng.pick(CITIES); return { input: `${rng.pick(PEOPLE)} flew to ${c} last ${rng.pick(DAYS)}`, output: CAPITALS[c]! }; } },
      { name: 'link-capital', make: (rng) => { const c = rng.pick(CITIES); return { input: `${rng.pick(PEOPLE)} flew to ${CAPITALS[c]!} last ${rng.pick(DAYS)}`, output: c }; } },
    ],
  },
  {
    family: 'describe', skill: 'describe a person of the fixed world', category: 'qa/long-form qa', metric: 'Rouge-L', closedWorld: true,
    variants: [
      { name: 'describe-person', make: (rng) => { const p = rng.pick(PEOPLE); const j = worldValue(p, 'job'); return { input: `who is ${p} ?`, output: `${p} is ${art(j)} ${j} who lives in ${worldValue(p, 'city')}` }; } },
      { name: 'describe-likes', make: (rng) => { const p = rng.pick(PEOPLE); return { input: `what does ${p} like ?`, output: `${p} likes ${worldValue(p, 'color')} and eats ${worldValue(p, 'food')}` }; } },
    ],
  },
  {
    family: 'explanation', skill: 'say why a claim is false', category: 'other/generate explanation', metric: 'Rouge-L',
    variants: [explain('explain-city', 'city'), explain('explain-job', 'job')],
  },
];
