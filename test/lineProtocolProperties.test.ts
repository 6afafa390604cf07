import fc from 'fast-check';
import { type LineFieldValue, type ParsedLine, parseLineProtocol } from '../src/modules/lineProtocol/parseLineProtocol';

/**
 * Properties (fast-check) of the line-protocol parser of docs/api.md §12: what an encoder
 * written here from the escaping rules prints parses back to the same values and line numbers;
 * no string makes the parser throw or lose a line; and parsing stays linear on pathological
 * megabyte bodies. test/lineProtocol.test.ts holds the example cases.
 */

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

// ---------------------------------------------------------------------------------------
// An encoder, from the escaping rules (not from the parser)
// ---------------------------------------------------------------------------------------

// The characters InfluxDB 1.6.7 unescapes in each place (measured in e2e/lineProtocol.e2e.test.ts).
const escapeMeasurement = (text: string) => text.replace(/[,= "]/g, '\\$&');
const escapeName = (text: string) => text.replace(/[,= ]/g, '\\$&');
const escapeFieldKey = (text: string) => text.replace(/[,= "]/g, '\\$&');
const escapeString = (text: string) => text.replace(/["\\]/g, '\\$&');
const booleanSpellings = { true: ['t', 'T', 'true', 'True', 'TRUE'], false: ['f', 'F', 'false', 'False', 'FALSE'] };

/** A field value as text; `spelling` picks among a boolean's five spellings. */
function encodeValue(field: LineFieldValue, spelling: number): string {
  switch (field.type) {
    case 'float':
      // String(-0) is '0', which would read back as +0.
      return Object.is(field.value, -0) ? '-0' : String(field.value);
    case 'integer':
      return `${field.value}i`;
    case 'unsigned':
      return `${field.value}u`;
    case 'boolean':
      return booleanSpellings[`${field.value}`][spelling % 5]!;
    case 'string':
      return `"${escapeString(field.value)}"`;
  }
}

interface Layout {
  lead: string;
  gaps: [string, string];
  trail: string;
  spelling: number;
}

function encodeLine(line: Omit<ParsedLine, 'lineNumber'>, fieldList: ReadonlyArray<readonly [string, LineFieldValue]>, layout: Layout) {
  const tags = Object.entries(line.tags).map(([key, value]) => `,${escapeName(key)}=${escapeName(value)}`);
  const fields = fieldList.map(([key, value]) => `${escapeFieldKey(key)}=${encodeValue(value, layout.spelling)}`);
  const timestamp = line.timestamp === null ? '' : `${layout.gaps[1]}${line.timestamp}`;
  return `${layout.lead}${escapeMeasurement(line.measurement)}${tags.join('')}${layout.gaps[0]}${fields.join(',')}${timestamp}${layout.trail}`;
}

// ---------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------

// Characters the grammar cares about, plus unicode and controls, weighted towards the former.
const nameChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(',', '=', ' ', '\\', '"', "'", '#', '\t', '\r', '\u0000', 'i', 'u', 't', '-', '.', '1') },
  { weight: 4, arbitrary: fc.constantFrom(...'abcdefxyz_ABC') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/**
 * A name the protocol can carry: no newline, and no trailing backslash (it would escape the
 * separator after it). `noLead` lists first characters a line's blank skipping or comment
 * rule would take (a tab before a measurement or first field key, '#' before a measurement).
 */
const name = (noLead: string) =>
  fc.string({ unit: nameChar, minLength: 1, maxLength: 12 }).map((text) => {
    let fixed = text.replace(/\n/g, 'n');
    if (fixed.endsWith('\\')) fixed += 'z';
    if (noLead.includes(fixed[0]!)) fixed = `a${fixed}`;
    return fixed;
  });

/**
 * In a field key a backslash takes the next character, and a doubled backslash is not unescaped, so a literal
 * backslash right before an escapable character cannot be written there (as in InfluxDB).
 */
const fieldKey = name('\t').map((text) => text.replace(/\\(?=[,= "])/g, '\\z'));

const fieldValue: fc.Arbitrary<LineFieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value): LineFieldValue => ({ type: 'float', value })),
  fc.bigInt({ min: int64Min, max: int64Max }).map((value): LineFieldValue => ({ type: 'integer', value })),
  fc.bigInt({ min: 0n, max: uint64Max }).map((value): LineFieldValue => ({ type: 'unsigned', value })),
  fc.boolean().map((value): LineFieldValue => ({ type: 'boolean', value })),
  fc
    .string({ unit: fc.oneof(nameChar, fc.constantFrom('"', '\\', '\\"')), maxLength: 20 })
    .map((value): LineFieldValue => ({ type: 'string', value: value.replace(/\n/g, 'n') })),
);

const blanks = (minLength: number) => fc.string({ unit: fc.constantFrom(' ', ' ', '\t'), minLength, maxLength: 3 });

const dataLine = fc.record({
  measurement: name('#\t'),
  tagList: fc.uniqueArray(fc.tuple(name(''), name('')), { maxLength: 4, selector: ([key]) => key }),
  // Field keys may repeat: the last one wins.
  fieldList: fc.array(fc.tuple(fc.oneof(fieldKey, fc.constantFrom('v', 'w')), fieldValue), { minLength: 1, maxLength: 5 }),
  timestamp: fc.option(fc.bigInt({ min: int64Min, max: int64Max }), { freq: 3 }),
  layout: fc.record({
    lead: blanks(0),
    // Only spaces end a section; tabs may follow them.
    gaps: fc.tuple(
      blanks(0).map((gap) => ` ${gap}`),
      blanks(0).map((gap) => ` ${gap}`),
    ),
    trail: fc.constantFrom('', ' ', '  '),
    spelling: fc.nat(),
  }),
});

const skippedLine = fc.oneof(
  blanks(0),
  fc.tuple(blanks(0), fc.string({ unit: nameChar, maxLength: 20 })).map(([lead, text]) => `${lead}#${text.replace(/\n/g, 'n')}`),
);

const bodyLines = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: dataLine.map((line) => ({ data: line })) },
    { weight: 1, arbitrary: skippedLine.map((text) => ({ text })) },
  ),
  {
    maxLength: 12,
  },
);

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

describe('line protocol parser (properties)', () => {
  it('parses what the encoder prints back to the same values and line numbers, through blank and comment lines and CRLF', () => {
    fc.assert(
      fc.property(bodyLines, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.boolean(), (entries, crlf, finalNewline) => {
        const texts: string[] = [];
        const expected: ParsedLine[] = [];
        entries.forEach((entry, index) => {
          if ('text' in entry) {
            texts.push(entry.text);
            return;
          }
          const { measurement, tagList, fieldList, timestamp, layout } = entry.data;
          const tags = Object.fromEntries(tagList);
          const fields: Record<string, LineFieldValue> = {};
          for (const [key, value] of fieldList) Object.defineProperty(fields, key, { value, enumerable: true, configurable: true });
          expected.push({ lineNumber: index + 1, measurement, tags, fields, timestamp });
          texts.push(encodeLine({ measurement, tags, fields, timestamp }, fieldList, layout));
        });
        const body = texts.map((text, index) => text + (crlf[index] ? '\r' : '')).join('\n') + (finalNewline ? '\n' : '');
        const parsed = parseLineProtocol(body);
        expect(parsed.errors).toEqual([]);
        expect(parsed.lines).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, and accounts for every physical line as parsed, bad, or blank/comment', () => {
    const protocolish = fc
      .array(fc.oneof(nameChar, fc.constantFrom('\n', '\r\n', 'cpu', ' v=1', ',t=x', '="s"', '1i', ' 123', 'true')), { maxLength: 60 })
      .map((parts) => parts.join(''));
    const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), protocolish);
    fc.assert(
      fc.property(anyText, (body) => {
        const { lines, errors } = parseLineProtocol(body);
        const physical = body.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
        const skipped = physical.flatMap((line, index) => (/^[ \t]*(#|$)/.test(line) ? [index + 1] : []));
        const numbers = [...lines.map((line) => line.lineNumber), ...errors.map((error) => error.lineNumber)];
        expect([...numbers, ...skipped].sort((a, b) => a - b)).toEqual(physical.map((_, index) => index + 1));
        for (const error of errors) {
          expect(error.line).toBe(physical[error.lineNumber - 1]);
          expect(error.reason).not.toBe('');
        }
        for (const line of lines) {
          expect(line.measurement).not.toBe('');
          expect(Object.keys(line.fields).length).toBeGreaterThan(0);
          if (line.timestamp !== null) expect(line.timestamp >= int64Min && line.timestamp <= int64Max).toBe(true);
          for (const field of Object.values(line.fields)) {
            if (field.type === 'float') expect(Number.isFinite(field.value)).toBe(true);
            if (field.type === 'integer') expect(field.value >= int64Min && field.value <= int64Max).toBe(true);
            if (field.type === 'unsigned') expect(field.value >= 0n && field.value <= uint64Max).toBe(true);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  describe('linear time', () => {
    const megabyte = 1 << 20;
    const repeatTo = (unit: string, size = megabyte) => unit.repeat(Math.ceil(size / unit.length));

    function millisToParse(body: string): number {
      const started = performance.now();
      parseLineProtocol(body);
      return performance.now() - started;
    }

    it.each([
      ['backslashes', repeatTo('\\')],
      ['quotes', repeatTo('"')],
      ['a string of escaped quotes', `m v="${repeatTo('\\"')}`],
      ['a string of backslashes', `m v="${repeatTo('\\')}"`],
      ['escaped separators in a measurement', repeatTo('\\ \\,')],
      [
        '100k tags',
        `m${repeatTo(',k=v')
          .replace(/k=v/g, (_, offset: number) => `k${offset}=v`)
          .slice(0, megabyte)} v=1`,
      ],
      ['duplicate fields', `m ${repeatTo('v=1,')}v=2`],
      ['a megabyte integer', `m v=${repeatTo('9')}i`],
      ['a megabyte of leading zeros', `m v=${repeatTo('0')}1i ${repeatTo('0')}1`],
      ['a megabyte float', `m v=0.${repeatTo('1')}e5`],
      ['a megabyte timestamp', `m v=1 ${repeatTo('9')}`],
      ['newlines', repeatTo('\n')],
      ['CRLFs and comments', repeatTo('#\r\n')],
      ['short good lines', repeatTo('cpu,host=a v=1i 1\n')],
      ['short bad lines', repeatTo('cpu v=\n')],
      ['equals signs', repeatTo('=')],
      ['a long tag value of equals', `m,t=${repeatTo('\\=')} v=1`],
    ])('parses 1 MB of %s in well under a second', (_, body) => {
      expect(millisToParse(body)).toBeLessThan(1000);
    });

    it('parses 1 MB of any short repeated pattern in well under a second', () => {
      const unit = fc.string({ unit: fc.oneof(nameChar, fc.constantFrom('\n', 'v=', '="', '1i ')), minLength: 1, maxLength: 8 });
      fc.assert(
        fc.property(unit, (pattern) => {
          expect(millisToParse(repeatTo(pattern))).toBeLessThan(1000);
        }),
        { numRuns: 15 },
      );
    });
  });
});
