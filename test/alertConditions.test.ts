import fc from 'fast-check';
import {
  conditionHolds,
  operatorSymbols,
  parseCondition,
  type Operator,
  type ParsedCondition,
  type ThresholdCondition,
} from '../src/modules/alerts/parseCondition';

/**
 * The alert condition language of docs/api.md §9 (Conditions), pure: every phrase form the
 * contract names, the example phrases of Dakkio's documentation, the refusals with what
 * their messages say, and properties (printed phrases parse back; no string throws).
 */

// The data source these conditions are written against. 'location' is its label (string)
// field: a condition on it must be refused, so it is not among the number fields.
const numberFields = ['temperature', 'humidity', 'co2_ppm', 'RoomTemp'] as const;

const threshold = (field: string, operator: Operator, value: number, forSeconds?: number): ThresholdCondition =>
  forSeconds === undefined ? { kind: 'threshold', field, operator, value } : { kind: 'threshold', field, operator, value, forSeconds };
const noData = (forSeconds: number): ParsedCondition => ({ kind: 'no_data', forSeconds });

const comparatorPhrases: ReadonlyArray<readonly [string, Operator]> = [
  ['exceeds', 'gt'],
  ['is greater than', 'gt'],
  ['is above', 'gt'],
  ['>', 'gt'],
  ['is at least', 'gte'],
  ['>=', 'gte'],
  ['is less than', 'lt'],
  ['drops below', 'lt'],
  ['is below', 'lt'],
  ['<', 'lt'],
  ['is at most', 'lte'],
  ['<=', 'lte'],
  ['equals', 'eq'],
  ['is equal to', 'eq'],
  ['=', 'eq'],
  ['==', 'eq'],
  ['is not equal to', 'ne'],
  ['does not equal', 'ne'],
  ['!=', 'ne'],
];
const isSymbol = (phrase: string) => !/^[a-z]/i.test(phrase);

const durationUnits: ReadonlyArray<readonly [string, number]> = [
  ['s', 1],
  ['sec', 1],
  ['secs', 1],
  ['second', 1],
  ['seconds', 1],
  ['m', 60],
  ['min', 60],
  ['mins', 60],
  ['minute', 60],
  ['minutes', 60],
  ['h', 3600],
  ['hr', 3600],
  ['hrs', 3600],
  ['hour', 3600],
  ['hours', 3600],
  ['d', 86400],
  ['day', 86400],
  ['days', 86400],
];

describe('parseCondition', () => {
  describe('accepts every comparator of api.md §9', () => {
    const rows = comparatorPhrases.flatMap(([phrase, operator]) => [
      [`temperature ${phrase} 30`, threshold('temperature', operator, 30)] as const,
      ...(isSymbol(phrase)
        ? [
            [`temperature${phrase}30`, threshold('temperature', operator, 30)] as const,
            [`temperature ${phrase}30`, threshold('temperature', operator, 30)] as const,
            [`temperature${phrase} 30`, threshold('temperature', operator, 30)] as const,
          ]
        : [[`TEMPERATURE ${phrase.toUpperCase()} 30`, threshold('temperature', operator, 30)] as const]),
    ]);
    it.each(rows)('%j', (text, condition) => {
      expect(parseCondition(text, numberFields)).toEqual({ ok: true, condition });
    });
  });

  describe("accepts the example phrases of Dakkio's documentation", () => {
    it.each([
      ['temperature is greater than 30', threshold('temperature', 'gt', 30)],
      ['Temperature exceeds 30°C', threshold('temperature', 'gt', 30)],
      ['temperature exceeds 1013 hPa', threshold('temperature', 'gt', 1013)],
      ['temperature exceeds 12 m/s', threshold('temperature', 'gt', 12)],
      ['humidity drops below 20%', threshold('humidity', 'lt', 20)],
      ['temperature > 30 for 5 minutes', threshold('temperature', 'gt', 30, 300)],
      ['no readings for 1 hour', noData(3600)],
      ['no data received for 30 minutes', noData(1800)],
      ['missing data for 2 hours', noData(7200)],
      ['humidity is above 80 percent', threshold('humidity', 'gt', 80)],
      ['temperature equals 21.5 degrees', threshold('temperature', 'eq', 21.5)],
      ['temperature is not equal to 0', threshold('temperature', 'ne', 0)],
    ] as const)('%j', (text, condition) => {
      expect(parseCondition(text, numberFields)).toEqual({ ok: true, condition });
    });
  });

  describe('accepts each duration unit, with and without a space', () => {
    const rows = durationUnits.flatMap(([unit, seconds]) => [
      [`temperature > 30 for 2 ${unit}`, threshold('temperature', 'gt', 30, 2 * seconds)] as const,
      [`temperature > 30 for 2${unit}`, threshold('temperature', 'gt', 30, 2 * seconds)] as const,
      [`no data for 2 ${unit.toUpperCase()}`, noData(2 * seconds)] as const,
    ]);
    it.each(rows)('%j', (text, condition) => {
      expect(parseCondition(text, numberFields)).toEqual({ ok: true, condition });
    });
  });

  describe('accepts numbers, units, spacing, case and durations in every documented form', () => {
    it.each([
      // numbers: sign, decimals, a leading point; -0 is 0
      ['temperature drops below -5', threshold('temperature', 'lt', -5)],
      ['temperature < -12.75°C', threshold('temperature', 'lt', -12.75)],
      ['temperature>-5', threshold('temperature', 'gt', -5)],
      ['humidity is at least +2', threshold('humidity', 'gte', 2)],
      ['humidity is at most 3.5', threshold('humidity', 'lte', 3.5)],
      ['humidity >= .5', threshold('humidity', 'gte', 0.5)],
      ['temperature == -0', threshold('temperature', 'eq', 0)],
      ['co2_ppm > 007', threshold('co2_ppm', 'gt', 7)],
      // units, attached or after one space, and ignored
      ['temperature > 30 °C', threshold('temperature', 'gt', 30)],
      ['temperature > 30°F', threshold('temperature', 'gt', 30)],
      ['temperature > 30C', threshold('temperature', 'gt', 30)],
      ['temperature > 30 degrees for 10 minutes', threshold('temperature', 'gt', 30, 600)],
      ['humidity < 20 % for 1h', threshold('humidity', 'lt', 20, 3600)],
      ['humidity < 20% for 1h', threshold('humidity', 'lt', 20, 3600)],
      ['co2_ppm exceeds 1000 ppm', threshold('co2_ppm', 'gt', 1000)],
      ['co2_ppm exceeds 1000ppm for 90s', threshold('co2_ppm', 'gt', 1000, 90)],
      ['temperature > 30.', threshold('temperature', 'gt', 30)],
      // the field keeps the schema's spelling, whatever the text's case
      ['roomtemp is below 18', threshold('RoomTemp', 'lt', 18)],
      ['ROOMTEMP is below 18', threshold('RoomTemp', 'lt', 18)],
      ['HUMIDITY IS ABOVE 80 PERCENT FOR 5 MINUTES', threshold('humidity', 'gt', 80, 300)],
      // whitespace: leading, trailing, repeated, tabs and newlines
      ['   temperature    exceeds    30   ', threshold('temperature', 'gt', 30)],
      ['\ttemperature\nis  greater\t than 30  for   5    minutes\n', threshold('temperature', 'gt', 30, 300)],
      ['  No   Data   Received   For   5m  ', noData(300)],
      ['MISSING DATA FOR 1 DAY', noData(86400)],
      ['no data for 30 days', noData(30 * 86400)],
      ['no data for 1s', noData(1)],
      // fractional durations are accepted, rounded to whole seconds
      ['temperature > 30 for 1.5 hours', threshold('temperature', 'gt', 30, 5400)],
      ['no data for 0.5 minutes', noData(30)],
      ['no data for 1.4 s', noData(1)],
      ['no data for 1.5 s', noData(2)],
      ['no data for 29.99 days', noData(Math.round(29.99 * 86400))],
    ] as const)('%j', (text, condition) => {
      expect(parseCondition(text, numberFields)).toEqual({ ok: true, condition });
    });
  });

  it('prefers the exact spelling when two schema fields differ only in case', () => {
    expect(parseCondition('Temp > 1', ['temp', 'Temp'])).toEqual({ ok: true, condition: threshold('Temp', 'gt', 1) });
    expect(parseCondition('temp > 1', ['temp', 'Temp'])).toEqual({ ok: true, condition: threshold('temp', 'gt', 1) });
    expect(parseCondition('TEMP > 1', ['temp', 'Temp'])).toEqual({ ok: true, condition: threshold('temp', 'gt', 1) });
  });

  describe('refuses, saying what was expected', () => {
    const grammar = "expected '<field> <comparison> <number> [for <duration>]' or 'no data for <duration>'";
    const unknownField = "this data source's number fields are: temperature, humidity, co2_ppm, RoomTemp";
    const range = 'must be between 1 second and 30 days';
    const durationExpected = "expected a duration after 'for'";
    it.each([
      // fields that are not number fields of the source
      ['pressure > 5', `Unknown number field 'pressure'; ${unknownField}`],
      ['location equals 5', `Unknown number field 'location'; ${unknownField}`],
      ['Location is above 3 for 5 minutes', `Unknown number field 'Location'`],
      ['__proto__ > 5', `Unknown number field '__proto__'`],
      ['constructor > 5', `Unknown number field 'constructor'`],
      ['toString > 5', `Unknown number field 'toString'`],
      ['hasOwnProperty > 5', `Unknown number field 'hasOwnProperty'`],
      ['temperatureexceeds 30', grammar],
      [`${'a'.repeat(100)} > 5`, `Unknown number field '${'a'.repeat(64)}…'`],
      // not the grammar at all
      ['', grammar],
      ['   ', grammar],
      ['temperature', grammar],
      ['temperature is hot', grammar],
      ['exceeds 30', grammar],
      ['> 30', grammar],
      ['30 > temperature', grammar],
      ['temperature is aboveboard 30', grammar],
      ['temperature => 30', "expected a number after '='"],
      ['temperature ≥ 30', grammar],
      ['température > 30', grammar],
      ['no data', grammar],
      ['data for 5 minutes', grammar],
      ['alert me when it gets hot', 'comparisons: exceeds, is greater than, is above, >, is at least, >='],
      // the comparison is understood, the number is not
      ['temperature exceeds', "expected a number after 'exceeds', as in 'temperature exceeds 30'"],
      ['temperature exceeds thirty', "expected a number after 'exceeds'"],
      ['temperature exceeds30', grammar],
      ['temperature > - 5', "expected a number after '>'"],
      ['temperature > 5e3', "expected a unit or 'for <duration>' after the number, not 'e3'"],
      ['temperature > 30,5', "not ',5'"],
      ['temperature > 1.2.3', "not '.3'"],
      ['temperature > 0x10', "not 'x10'"],
      ['temperature is below 5 $where', "expected a unit or 'for <duration>' after the number, not '$where'"],
      ['temperature is below 5 .$[]', "not '.$[]'"],
      ['temperature > 5 {"$gt":1}', "expected a unit or 'for <duration>' after the number"],
      [`temperature > ${'9'.repeat(400)}`, "the number after '>' is too large"],
      // after the number: one unit word, then only 'for <duration>'
      ['temperature > 30 degrees celsius', "expected 'for <duration>' or nothing after the unit, not 'celsius'"],
      ['temperature > 30 for5m', "not 'for5m'"],
      ['temperature > 30 during 5 minutes', "not '5 minutes'"],
      // durations
      ['temperature > 30 for', durationExpected],
      ['temperature > 30 for ever', durationExpected],
      ['temperature > 30 for 5', durationExpected],
      ['temperature > 30 for five minutes', durationExpected],
      ['temperature > 30 for 5 weeks', durationExpected],
      ['temperature > 30 for -5 minutes', durationExpected],
      ['temperature > 30 for 5 minutes now', durationExpected],
      ['temperature > 30 for 5 minutes.', durationExpected],
      ['no data for 5 __proto__', durationExpected],
      ['no data for 5 constructor', durationExpected],
      ['no data for', durationExpected],
      ['no readings for soon', durationExpected],
      ['temperature > 30 for 0 seconds', range],
      ['temperature > 30 for 0.4 s', range],
      ['temperature > 30 for 31 days', range],
      ['no data for 0 seconds', range],
      ['no data for 31 days', range],
      ['no data for 720h 1s', durationExpected],
      ['no data for 721 hours', range],
      [`no data for ${'9'.repeat(400)} seconds`, range],
    ] as const)('%j', (text, fragment) => {
      const parsed = parseCondition(text, numberFields);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok === false && parsed.message).toContain(fragment);
    });

    it('says when the data source has no number fields', () => {
      expect(parseCondition('temperature > 30', [])).toEqual({
        ok: false,
        message: "Unknown number field 'temperature'; this data source has no number fields",
      });
    });
  });

  describe('never throws, and takes linear time, on hostile text', () => {
    const hostile = [
      '1'.repeat(500),
      `temperature > ${'1'.repeat(486)}`,
      `temperature > 1${'.1'.repeat(242)}`,
      `no data for ${'1'.repeat(487)}x`,
      `no data for ${'1'.repeat(480)}${' '.repeat(7)}`,
      `temperature > 30 for ${'1'.repeat(478)}`,
      `temperature ${'is '.repeat(160)}above 1`,
      `${'a'.repeat(499)}!`,
      `${'_'.repeat(500)}`,
      `temperature${' '.repeat(480)}> 1 for 1${' '.repeat(7)}`,
      `temperature > 1 ${'°'.repeat(484)}`,
      `temperature > 1 for 1${'m'.repeat(478)}`,
      ` \t\n`.repeat(125),
      '\u0000'.repeat(500),
      '\uD800'.repeat(500),
      '🌡️ > 30 for 5 minutes',
      'İS ABOVE',
    ];
    it.each(hostile.map((text) => [text.length, text] as const))('a %d-character string', (_length, text) => {
      const started = performance.now();
      for (let round = 0; round < 20; round += 1) {
        const parsed = parseCondition(text, numberFields);
        expect(typeof parsed.ok).toBe('boolean');
      }
      // 20 parses of 500 characters: microseconds each when linear; seconds if backtracking.
      expect(performance.now() - started).toBeLessThan(250);
    });

    it('refuses a text that is not a string', () => {
      for (const text of [undefined, null, 30, {}, ['temperature > 30']]) {
        expect(parseCondition(text as unknown as string, numberFields)).toMatchObject({ ok: false });
      }
    });
  });

  describe('properties', () => {
    const anyCase = (text: string) =>
      fc
        .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
        .map((upper) => [...text].map((char, index) => (upper[index] ? char.toUpperCase() : char)).join(''));
    const value = fc
      .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 4 }))
      .map(([digits, decimals]) => digits / 10 ** decimals);
    const spaces = fc.constantFrom('', ' ', '  ', '\t');
    const duration = fc.option(
      fc.tuple(fc.integer({ min: 1, max: 30 }), fc.constantFrom(...durationUnits), fc.constantFrom('', ' ', '   ')),
      { nil: undefined },
    );

    it('a printed threshold parses back to the same structure', () => {
      const field = fc.constantFrom(...numberFields).chain((schema) => anyCase(schema).map((written) => [schema, written] as const));
      const comparator = fc
        .constantFrom(...comparatorPhrases)
        .chain(([phrase, operator]) => anyCase(phrase).map((written) => [written, operator] as const));
      const unit = fc.constantFrom('', '°C', ' °C', '°F', '%', ' %', ' percent', ' degrees', 'C', ' ppm', ' PPM', '.');
      fc.assert(
        fc.property(
          field,
          comparator,
          spaces,
          spaces,
          value,
          unit,
          duration,
          ([schema, written], [phrase, operator], before, after, number, unitText, forClause) => {
            const gap = (chosen: string) => (isSymbol(phrase) ? chosen : chosen || ' ');
            const durationText = forClause ? ` for ${forClause[0]}${forClause[2]}${forClause[1][0]}` : '';
            const text = `${written}${gap(before)}${phrase}${gap(after)}${number}${unitText}${durationText}`;
            const expected = threshold(schema, operator, number, forClause && forClause[0] * forClause[1][1]);
            expect(parseCondition(text, numberFields)).toEqual({ ok: true, condition: expected });
          },
        ),
        { numRuns: 500 },
      );
    });

    it('a printed no-data rule parses back to the same structure', () => {
      const prefix = fc.constantFrom('no data for', 'no data received for', 'no readings for', 'missing data for').chain(anyCase);
      fc.assert(
        fc.property(prefix, fc.integer({ min: 1, max: 30 }), fc.constantFrom(...durationUnits), spaces, (p, n, [unit, seconds], gap) => {
          expect(parseCondition(`${p} ${n}${gap === '\t' ? ' ' : gap}${unit}`, numberFields)).toEqual({
            ok: true,
            condition: noData(n * seconds),
          });
        }),
        { numRuns: 200 },
      );
    });

    it('no string throws, and every answer is a condition or a message', () => {
      const vocabulary = fc.constantFrom(
        ...['temperature', 'Humidity', 'no', 'data', 'received', 'readings', 'missing', 'for', 'is', 'not', 'equal', 'to', 'above'],
        ...['>', '>=', '<', '=', '==', '!=', '30', '-5', '.5', '1.5', '°C', '%', '5m', 'minutes', 'h', ' ', '  ', '\t', '__proto__', 'e3'],
      );
      const text = fc.oneof(
        fc.string({ maxLength: 500 }),
        fc.string({ unit: 'binary', maxLength: 500 }),
        fc.string({ unit: 'grapheme', maxLength: 500 }),
        fc.array(vocabulary, { maxLength: 40 }).map((words) => words.join(' ')),
        fc.array(vocabulary, { maxLength: 40 }).map((words) => words.join('')),
      );
      fc.assert(
        fc.property(text, (candidate) => {
          const parsed = parseCondition(candidate, numberFields);
          if (parsed.ok) {
            expect(['threshold', 'no_data']).toContain(parsed.condition.kind);
            expect(
              parsed.condition.forSeconds === undefined || (parsed.condition.forSeconds >= 1 && parsed.condition.forSeconds <= 30 * 86400),
            ).toBe(true);
            if (parsed.condition.kind === 'threshold') {
              expect(numberFields).toContain(parsed.condition.field);
              expect(Number.isFinite(parsed.condition.value)).toBe(true);
            }
          } else {
            expect(parsed.message.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('operatorSymbols', () => {
  it('names each operator as a webhook payload shows it', () => {
    expect(operatorSymbols).toEqual({ gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==', ne: '!=' });
  });
});

describe('conditionHolds', () => {
  // [operator, holds below the threshold, at it, above it]
  const truth: ReadonlyArray<readonly [Operator, boolean, boolean, boolean]> = [
    ['gt', false, false, true],
    ['gte', false, true, true],
    ['lt', true, false, false],
    ['lte', true, true, false],
    ['eq', false, true, false],
    ['ne', true, false, true],
  ];
  const rows = truth.flatMap(([operator, below, at, above]) =>
    [30, -5, 21.5].flatMap((limit) => [
      [operator, limit, limit - 0.5, below] as const,
      [operator, limit, limit, at] as const,
      [operator, limit, limit + 0.5, above] as const,
    ]),
  );
  it.each(rows)('%s %p, value %p → %p', (operator, limit, value, holds) => {
    expect(conditionHolds(threshold('temperature', operator, limit), value)).toBe(holds);
  });

  it('no operator holds for NaN', () => {
    for (const [operator] of truth) expect(conditionHolds(threshold('temperature', operator, 30), Number.NaN)).toBe(false);
  });

  it('agrees with the parsed phrase: "humidity drops below 20%" holds at 19.9, not at 20', () => {
    const parsed = parseCondition('humidity drops below 20%', numberFields);
    if (!parsed.ok || parsed.condition.kind !== 'threshold') throw new Error('expected a threshold');
    expect(conditionHolds(parsed.condition, 19.9)).toBe(true);
    expect(conditionHolds(parsed.condition, 20)).toBe(false);
  });
});
