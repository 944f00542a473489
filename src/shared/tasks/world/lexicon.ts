// The world's controlled vocabulary and its fixed facts. Everything a task can say is built
// from these lists, so a tiny tokenizer covers it (see builtinVocabulary in index.ts).
import { makeSampler } from './sampler';

export const PEOPLE: readonly string[] = [
  'anna', 'ben', 'carl', 'dana', 'eva', 'finn', 'gina', 'hugo', 'ida', 'jack', 'kim', 'leo',
  'mia', 'nora', 'omar', 'paul', 'rosa', 'sam', 'tina', 'uma', 'victor', 'wendy', 'yuri', 'zoe',
];

/** city -> country: the capital lexicon. */
export const CAPITALS: Readonly<Record<string, string>> = {
  paris: 'france', rome: 'italy', oslo: 'norway', lima: 'peru', cairo: 'egypt', tokyo: 'japan',
  delhi: 'india', dublin: 'ireland', vienna: 'austria', madrid: 'spain', berlin: 'germany', athens: 'greece',
};
export const CITIES = Object.keys(CAPITALS);
export const COUNTRIES = Object.values(CAPITALS);

export const JOBS: readonly string[] = ['cook', 'nurse', 'pilot', 'baker', 'farmer', 'singer', 'doctor', 'teacher', 'painter', 'driver'];

/** animal -> sound. */
export const SOUNDS: Readonly<Record<string, string>> = {
  cat: 'meow', dog: 'woof', cow: 'moo', duck: 'quack', sheep: 'baa', owl: 'hoot', lion: 'roar',
  frog: 'croak', horse: 'neigh', mouse: 'squeak',
};
export const ANIMALS = Object.keys(SOUNDS);

export const COLORS: readonly string[] = ['red', 'blue', 'green', 'black', 'white', 'yellow', 'pink', 'brown'];
export const FOODS: readonly string[] = ['bread', 'rice', 'soup', 'cake', 'apple', 'pasta', 'cheese', 'fish', 'banana', 'lemon'];

/** Symmetric antonym lexicon (each pair listed once). */
export const OPPOSITE_PAIRS = [
  ['big', 'small'], ['hot', 'cold'], ['fast', 'slow'], ['old', 'new'], ['tall', 'short'],
  ['light', 'dark'], ['loud', 'quiet'], ['early', 'late'], ['full', 'empty'], ['rich', 'poor'],
] as const;
export const OPPOSITES: Readonly<Record<string, string>> = Object.fromEntries(
  OPPOSITE_PAIRS.flatMap(([a, b]) => [[a, b], [b, a]]),
);

export const DIGIT_WORDS: readonly string[] = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
/** Numbers appear as digit tokens "0".."30" (the largest sum is 9 + 20). */
export const NUMBERS = Array.from({ length: 31 }, (_, i) => String(i));

export const POSITIVE: readonly string[] = ['good', 'great', 'lovely', 'nice', 'superb', 'wonderful', 'pleasant', 'excellent'];
export const NEGATIVE: readonly string[] = ['bad', 'awful', 'dull', 'boring', 'terrible', 'horrible', 'rude', 'nasty'];
export const INTENSIFIERS: readonly string[] = ['very', 'really', 'quite', 'so'];
export const REVIEWED: readonly string[] = ['movie', 'meal', 'hotel', 'book', 'song', 'game', 'show', 'trip', 'room', 'staff'];

export const TOPICS: Readonly<Record<string, readonly string[]>> = {
  sports: ['ball', 'match', 'team', 'goal', 'coach', 'race'],
  music: ['guitar', 'piano', 'concert', 'band', 'drum', 'melody'],
  weather: ['rain', 'snow', 'wind', 'storm', 'cloud', 'fog'],
  science: ['atom', 'cell', 'planet', 'star', 'energy', 'laser'],
  politics: ['vote', 'election', 'law', 'senate', 'mayor', 'tax'],
};
/** A second label set for the same five topics. */
export const TOPIC_ALT: Readonly<Record<string, string>> = {
  sports: 'game', music: 'art', weather: 'nature', science: 'research', politics: 'government',
};

export const EMOTIONS: Readonly<Record<string, readonly string[]>> = {
  joy: ['smiled', 'laughed', 'cheered'],
  sadness: ['cried', 'wept', 'sighed'],
  anger: ['shouted', 'yelled', 'stomped'],
  fear: ['trembled', 'hid', 'shivered'],
};
export const EMOTION_ALT: Readonly<Record<string, string>> = { joy: 'happy', sadness: 'sad', anger: 'angry', fear: 'scared' };
export const EVENTS: readonly string[] = ['letter', 'storm', 'news', 'bill', 'guest', 'parcel', 'call', 'result'];

export const INSULTS: readonly string[] = ['fool', 'clown', 'idiot', 'jerk', 'loser', 'creep'];
export const DAYS: readonly string[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Sentences that carry no key fact: summaries must drop them. */
export const FILLERS: readonly string[] = [
  'the weather was mild', 'the bus was late', 'it rained a little', 'the streets were busy',
  'the tea was cold', 'nothing else happened', 'the sky was grey', 'a dog barked outside',
];

/** Words used by templates, labels and punctuation; the lists above supply the rest. */
export const TEMPLATE_WORDS = `
. , ? : |
a an the is was are it and not to in of for from at on as with who what where which does do
lives live works owns has likes loves eats eat
favorite color food pet job city name
home thinks stayed talked about when after arrived came
news headline today yesterday everyone sees big surprised
question options sentence premise hypothesis claim context
more less than plus minus capital country animal own say opposite word means
book table people pm fly flew last tickets please
user hello welcome you i am would like some sure want go
went won visited met race because why false such
`;

/** The fixed world: every person's city, job, pet, favourite colour and food (independent of the data seed). */
export interface Person { name: string; city: string; job: string; pet: string; color: string; food: string }
export const RELATIONS = ['city', 'job', 'pet', 'color', 'food'] as const;
export type Relation = (typeof RELATIONS)[number];

export const WORLD: readonly Person[] = (() => {
  const rng = makeSampler(20240101);
  return PEOPLE.map((name) => ({
    name,
    city: rng.pick(CITIES),
    job: rng.pick(JOBS),
    pet: rng.pick(ANIMALS),
    color: rng.pick(COLORS),
    food: rng.pick(FOODS),
  }));
})();

export const RELATION_VALUES: Readonly<Record<Relation, readonly string[]>> = {
  city: CITIES, job: JOBS, pet: ANIMALS, color: COLORS, food: FOODS,
};
