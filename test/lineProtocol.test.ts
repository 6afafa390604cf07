import {
  describeLineError,
  type LineFieldValue,
  type ParsedLine,
  parseLineProtocol,
  type Precision,
  precisionOf,
  timestampToMillis,
} from '../src/modules/lineProtocol/parseLineProtocol';

/**
 * The line-protocol parser of docs/api.md §12, pure: the grammar, the escapes and the edge
 * cases measured against InfluxDB 1.6.7 (notes §2.2), each refusal with InfluxDB's reason, and
 * the precision helpers. test/lineProtocolProperties.test.ts holds the fast-check properties.
 */

const float = (value: number): LineFieldValue => ({ type: 'float', value });
const integer = (value: bigint): LineFieldValue => ({ type: 'integer', value });
const unsigned = (value: bigint): LineFieldValue => ({ type: 'unsigned', value });
const boolean = (value: boolean): LineFieldValue => ({ type: 'boolean', value });
const string = (value: string): LineFieldValue => ({ type: 'string', value });

/** The one line of a body that must parse. */
function parsedOne(body: string): ParsedLine {
  const { lines, errors } = parseLineProtocol(body);
  expect(errors).toEqual([]);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** The reason a one-line body is refused. */
function reasonFor(body: string): string {
  const { lines, errors } = parseLineProtocol(body);
  expect(lines).toEqual([]);
  expect(errors).toHaveLength(1);
  return errors[0]!.reason;
}

const fieldOf = (body: string, key = 'v') => parsedOne(body).fields[key];

describe('line protocol parser', () => {
  describe('structure', () => {
    it('reads measurement, tags, fields and timestamp', () => {
      expect(parsedOne('cpu,host=a,region=eu usage=0.5,count=3i 1700000000000000000')).toEqual({
        lineNumber: 1,
        measurement: 'cpu',
        tags: { host: 'a', region: 'eu' },
        fields: { usage: float(0.5), count: integer(3n) },
        timestamp: 1700000000000000000n,
      });
    });

    it('has no tags and a null timestamp when none are written', () => {
      expect(parsedOne('cpu v=1')).toEqual({ lineNumber: 1, measurement: 'cpu', tags: {}, fields: { v: float(1) }, timestamp: null });
    });

    it('keeps tags in the order written', () => {
      expect(Object.keys(parsedOne('m,z=1,a=2,m=3 v=1').tags)).toEqual(['z', 'a', 'm']);
    });

    it('takes the last of duplicate fields (measured: v=1,v=2 → 2)', () => {
      expect(parsedOne('cpu v=1,v=2').fields).toEqual({ v: float(2) });
      expect(parsedOne('cpu v=1,v="x"').fields).toEqual({ v: string('x') });
    });

    it('treats __proto__ and constructor as ordinary tag and field keys', () => {
      const line = parsedOne('m,__proto__=x,constructor=y __proto__=1i,toString=t');
      expect(Object.entries(line.tags)).toEqual([
        ['__proto__', 'x'],
        ['constructor', 'y'],
      ]);
      expect(Object.entries(line.fields)).toEqual([
        ['__proto__', integer(1n)],
        ['toString', boolean(true)],
      ]);
    });

    it('tolerates leading blanks, several spaces between sections and trailing spaces (measured)', () => {
      const expected = { measurement: 'cpu', tags: { h: 'a' }, fields: { v: float(1) }, timestamp: 5n };
      expect(parsedOne(' cpu,h=a v=1 5')).toMatchObject(expected);
      expect(parsedOne('\t cpu,h=a   v=1    5   ')).toMatchObject(expected);
      expect(parsedOne('cpu,h=a v=1   ')).toMatchObject({ timestamp: null });
    });

    it('skips blank and comment lines but counts them in line numbers', () => {
      const body = '# header\n\ncpu v=1\n   \n  # indented comment\n\tcpu v=2\n';
      const { lines, errors } = parseLineProtocol(body);
      expect(errors).toEqual([]);
      expect(lines.map((line) => [line.lineNumber, line.fields.v])).toEqual([
        [3, float(1)],
        [6, float(2)],
      ]);
    });

    it('accepts CRLF line ends (a deliberate difference from 1.6), stripping one \\r', () => {
      const { lines, errors } = parseLineProtocol('cpu v=1\r\ncpu s="a" 7\r\n\r\n');
      expect(errors).toEqual([]);
      expect(lines).toEqual([
        { lineNumber: 1, measurement: 'cpu', tags: {}, fields: { v: float(1) }, timestamp: null },
        { lineNumber: 2, measurement: 'cpu', tags: {}, fields: { s: string('a') }, timestamp: 7n },
      ]);
      // Only the line end goes: a '\r' anywhere else is an ordinary character.
      expect(parsedOne('c\rpu v=1\r').measurement).toBe('c\rpu');
      expect(reasonFor('cpu v=1\r\r')).toBe('invalid number');
    });

    it('parses an empty body, or one of blanks and comments only, to nothing', () => {
      for (const body of ['', '\n', '\r\n', '   ', '#x', '\n\n# a\n  \n'])
        expect(parseLineProtocol(body)).toEqual({ lines: [], errors: [] });
    });

    it('keeps going past bad lines, reporting each with its number and original text', () => {
      const body = 'cpu v=1\n  bad line here\ncpu v=x\r\ncpu v=3 4\ngarbage';
      const { lines, errors } = parseLineProtocol(body);
      expect(lines.map((line) => line.lineNumber)).toEqual([1, 4]);
      expect(errors).toEqual([
        { lineNumber: 2, line: '  bad line here', reason: 'invalid field format' },
        { lineNumber: 3, line: 'cpu v=x', reason: 'invalid boolean' },
        { lineNumber: 5, line: 'garbage', reason: 'missing fields' },
      ]);
    });
  });

  describe('escapes', () => {
    it('reads the mixed-escape line measured against InfluxDB 1.6.7', () => {
      expect(parsedOne('my\\ meas\\,x,t\\ k\\=y=v\\ a\\,b f\\=x="q\\"uote\\\\d"')).toEqual({
        lineNumber: 1,
        measurement: 'my meas,x',
        tags: { 't k=y': 'v a,b' },
        fields: { 'f=x': string('q"uote\\d') },
        timestamp: null,
      });
    });

    it('unescapes ",", "=", " " and \'"\' in a measurement, as InfluxDB 1.6.7 stores it', () => {
      expect(parsedOne('a\\,b\\ c=d\\=e\\"f v=1').measurement).toBe('a,b c=d=e"f');
    });

    it('unescapes ",", "=" and " " in tag keys and values, and also \'"\' in field keys', () => {
      const line = parsedOne('m,k\\,\\=\\ \\"1=v\\,\\=\\ \\"2 f\\,\\=\\ \\"3=1');
      expect(line.tags).toEqual({ 'k,= \\"1': 'v,= \\"2' });
      expect(Object.keys(line.fields)).toEqual(['f,= "3']);
    });

    it('keeps any other backslash literally', () => {
      const line = parsedOne('m\\x,t\\a=v\\b f\\n=1');
      expect(line).toMatchObject({ measurement: 'm\\x', tags: { 't\\a': 'v\\b' } });
      expect(Object.keys(line.fields)).toEqual(['f\\n']);
    });

    it('escapes a separator whenever the character before it is a backslash, even an escaped-looking one', () => {
      expect(parsedOne('m,t=a\\\\,u v=1').tags).toEqual({ t: 'a\\,u' });
      // So a value cannot end with a backslash: it escapes the space after it.
      expect(reasonFor('m,t=a\\ v=1')).toBe('invalid tag format');
    });

    it('in strings unescapes only \\" and \\\\, keeping any other backslash', () => {
      expect(fieldOf('m v="a\\"b\\\\c\\nd"')).toEqual(string('a"b\\c\\nd'));
      expect(fieldOf('m v="\\\\"')).toEqual(string('\\'));
      expect(reasonFor('m v="\\"')).toBe('unbalanced quotes');
    });

    it('keeps quotes in tag values, and commas, spaces and "=" inside strings', () => {
      expect(parsedOne('m,t="x" v=1').tags).toEqual({ t: '"x"' });
      expect(fieldOf('m v="a, b=c d" 12')).toEqual(string('a, b=c d'));
      expect(fieldOf('m v=""')).toEqual(string(''));
      expect(fieldOf('m v="\'"')).toEqual(string("'"));
    });

    it('treats a newline inside quotes as the end of the line: two bad lines (1.6 accepted it)', () => {
      const { lines, errors } = parseLineProtocol('m v="one\ntwo" 5\nm v=1');
      expect(lines).toEqual([{ lineNumber: 3, measurement: 'm', tags: {}, fields: { v: float(1) }, timestamp: null }]);
      expect(errors).toEqual([
        { lineNumber: 1, line: 'm v="one', reason: 'unbalanced quotes' },
        { lineNumber: 2, line: 'two" 5', reason: 'invalid field format' },
      ]);
    });

    it('keeps unicode and control characters as they are', () => {
      const line = parsedOne('températ,lieu=café\u0001 v="日本😀\t" 1');
      expect(line).toMatchObject({ measurement: 'températ', tags: { lieu: 'café\u0001' }, fields: { v: string('日本😀\t') } });
    });
  });

  describe('field values', () => {
    it.each([
      ['1', 1],
      ['-1.5e3', -1500],
      ['1E-2', 0.01],
      ['.5', 0.5],
      ['5.', 5],
      ['-.5', -0.5],
      ['1e+3', 1000],
      ['1.e2', 100],
      ['0', 0],
      ['007', 7],
      ['1e-400', 0],
      ['1.7976931348623157e308', Number.MAX_VALUE],
    ])('reads a bare number %s as the float %d', (text, value) => {
      expect(fieldOf(`m v=${text}`)).toEqual(float(value));
    });

    it.each([
      'NaN',
      'nan',
      'Inf',
      '-Inf',
      'inf',
      '1.2.3',
      '--1',
      '-',
      '.',
      '-.',
      '+1',
      '1-2',
      '0x10',
      '1_000',
      '1i5',
      '1.5i',
      '1e5i',
      '-i',
      '1ii',
      '-1u',
      '1.0u',
      '1iu',
      '1\\,',
    ])('refuses %s as "invalid number"', (text) => {
      expect(reasonFor(`m v=${text}`)).toBe('invalid number');
    });

    it.each(['1e', '1e5e5', '.e1', '-e5', '1e400', '-1e400', '9'.repeat(400)])('refuses %s as "invalid float"', (text) => {
      expect(reasonFor(`m v=${text}`)).toBe('invalid float');
    });

    it('reads `i` integers as int64 BigInts, with leading zeros and both bounds', () => {
      expect(fieldOf('m v=1i')).toEqual(integer(1n));
      expect(fieldOf('m v=-42i')).toEqual(integer(-42n));
      expect(fieldOf('m v=0007i')).toEqual(integer(7n));
      expect(fieldOf('m v=9223372036854775807i')).toEqual(integer(9223372036854775807n));
      expect(fieldOf('m v=-9223372036854775808i')).toEqual(integer(-9223372036854775808n));
      expect(fieldOf(`m v=${'0'.repeat(1000)}9223372036854775807i`)).toEqual(integer(9223372036854775807n));
    });

    it('refuses `i` integers outside int64 with "value out of range" (InfluxDB text)', () => {
      expect(reasonFor('m v=9223372036854775808i')).toBe(
        'unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "9223372036854775808": value out of range',
      );
      expect(reasonFor('m v=-9223372036854775809i')).toMatch(/value out of range$/);
      expect(reasonFor(`m v=${'9'.repeat(5000)}i`)).toMatch(/value out of range$/);
    });

    it('reads `u` integers as uint64 BigInts and refuses negatives or values past 2^64-1', () => {
      expect(fieldOf('m v=0u')).toEqual(unsigned(0n));
      expect(fieldOf('m v=18446744073709551615u')).toEqual(unsigned(18446744073709551615n));
      expect(reasonFor('m v=18446744073709551616u')).toBe(
        'unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing "18446744073709551616": value out of range',
      );
      expect(reasonFor('m v=-1u')).toBe('invalid number');
    });

    it.each([
      ['t', true],
      ['T', true],
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['f', false],
      ['F', false],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ])('reads the boolean %s (all ten measured)', (text, value) => {
      expect(fieldOf(`m v=${text}`)).toEqual(boolean(value));
    });

    it.each(['yes', 'tRUE', 'truee', 'fals', 'tr', 'no', 'on', "'x'", 'x'])('refuses %s as a boolean', (text) => {
      expect(reasonFor(`m v=${text}`)).toMatch(/^invalid (boolean|number)$/);
    });

    it('gives "invalid boolean" for words, as InfluxDB does for yes', () => {
      expect(reasonFor('m v=yes')).toBe('invalid boolean');
    });

    it('caps string values at 64 KiB of UTF-8', () => {
      expect(fieldOf(`m v="${'a'.repeat(65_536)}"`)).toEqual(string('a'.repeat(65_536)));
      expect(reasonFor(`m v="${'a'.repeat(65_537)}"`)).toBe('max string length exceeded: 65537 > 65536');
      // Bytes, not characters: 21,846 three-byte characters are 65,538 bytes.
      expect(reasonFor(`m v="${'€'.repeat(21_846)}"`)).toBe('max string length exceeded: 65538 > 65536');
      // Counted after unescaping: 65,536 escaped quotes are 65,536 bytes.
      expect(fieldOf(`m v="${'\\"'.repeat(65_536)}"`)).toEqual(string('"'.repeat(65_536)));
    });

    it('reads several fields of every type on one line', () => {
      expect(parsedOne('m a=1,b=2i,c=3u,d=t,e="x y",f=-0.5 9').fields).toEqual({
        a: float(1),
        b: integer(2n),
        c: unsigned(3n),
        d: boolean(true),
        e: string('x y'),
        f: float(-0.5),
      });
    });
  });

  describe('refusals, with InfluxDB reasons', () => {
    it.each([
      ['cpu', 'missing fields'],
      ['garbage', 'missing fields'],
      ['cpu,host=a', 'missing fields'],
      ['cpu ', 'invalid field format'],
      ['more garbage', 'invalid field format'],
      ['bad line here', 'invalid field format'],
      [',cpu v=1', 'missing measurement'],
      ['  ,cpu v=1', 'missing measurement'],
      ['cpu,host= v=1', 'missing tag value'],
      ['cpu,host v=1', 'missing tag value'],
      ['cpu,host', 'missing tag value'],
      ['cpu,host=', 'missing tag value'],
      ['cpu,host=a,x v=1', 'missing tag value'],
      ['cpu,=a v=1', 'missing tag key'],
      ['cpu, v=1', 'missing tag key'],
      ['cpu,host=a, v=1', 'missing tag key'],
      ['cpu,host=a=b v=1', 'invalid tag format'],
      ['cpu,h=a,h=b v=1', 'duplicate tags'],
      ['cpu =1', 'missing field key'],
      ['cpu v=1,=2', 'missing field key'],
      ['cpu v=', 'missing field value'],
      ['cpu v=,w=1', 'missing field value'],
      ['cpu v= 1', 'missing field value'],
      ['cpu v=1,', 'invalid field format'],
      ['cpu v=1,w', 'invalid field format'],
      ['cpu v=1, w=2', 'invalid field format'],
      ['cpu a,b=1', 'invalid field format'],
      ['cpu v="abc', 'unbalanced quotes'],
      ['cpu v="abc\\"', 'unbalanced quotes'],
      ['cpu v="a"b', 'invalid field format'],
      ['cpu v=1 1.5', 'bad timestamp'],
      ['cpu v=1 12a', 'bad timestamp'],
      ['cpu v=1 -', 'bad timestamp'],
      ['cpu v=1 +5', 'bad timestamp'],
      ['cpu v=1 1\t', 'bad timestamp'],
      ['cpu v=1 2023-01-01T00:00:00Z', 'bad timestamp'],
      ['cpu v=1 123 456', 'point is invalid'],
      ['cpu v=1 123 x', 'point is invalid'],
      ['cpu v=1 9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ])('%j → %s', (line, reason) => {
      expect(reasonFor(line)).toBe(reason);
    });

    it('takes the first character of a tag value whatever it is, like InfluxDB (t==x is "=x")', () => {
      expect(parsedOne('cpu,t==x v=1').tags).toEqual({ t: '=x' });
    });
  });

  describe('timestamps', () => {
    it('reads timestamps as BigInt, exact beyond 2^53, negative allowed (measured: 1969)', () => {
      expect(parsedOne('m v=1 1700000000123456789').timestamp).toBe(1700000000123456789n);
      expect(parsedOne('m v=1 -86400000000000').timestamp).toBe(-86400000000000n);
      expect(parsedOne('m v=1 0').timestamp).toBe(0n);
      expect(parsedOne('m v=1 -0').timestamp).toBe(0n);
      expect(parsedOne('m v=1 9223372036854775807').timestamp).toBe(9223372036854775807n);
      expect(parsedOne('m v=1 -9223372036854775808').timestamp).toBe(-9223372036854775808n);
      expect(parsedOne(`m v=1 ${'0'.repeat(500)}12`).timestamp).toBe(12n);
    });
  });

  describe('describeLineError', () => {
    it("formats InfluxDB's text: unable to parse '<line>': <reason>", () => {
      expect(describeLineError({ lineNumber: 3, line: 'bad line here', reason: 'invalid field format' })).toBe(
        "unable to parse 'bad line here': invalid field format",
      );
    });

    it('quotes the line without its leading blanks, as InfluxDB does, but keeps the rest as written', () => {
      const { errors } = parseLineProtocol(" \tcpu v='x' \r\n");
      expect(errors[0]!.line).toBe(" \tcpu v='x' ");
      expect(describeLineError(errors[0]!)).toBe("unable to parse 'cpu v='x' ': invalid boolean");
    });
  });

  describe('precisionOf', () => {
    it.each([
      ['n', 'ns'],
      ['ns', 'ns'],
      ['u', 'us'],
      ['us', 'us'],
      ['ms', 'ms'],
      ['s', 's'],
      ['m', 'm'],
      ['h', 'h'],
    ] as const)('v1 accepts %s as %s', (text, precision) => {
      expect(precisionOf(text, 'v1')).toBe(precision);
    });

    it.each(['ns', 'us', 'ms', 's'] as const)('v2 accepts %s', (text) => {
      expect(precisionOf(text, 'v2')).toBe(text);
    });

    it('reads absent and empty as ns (the influx 1.x CLI sends an empty precision)', () => {
      for (const api of ['v1', 'v2'] as const) {
        expect(precisionOf(undefined, api)).toBe('ns');
        expect(precisionOf('', api)).toBe('ns');
      }
    });

    it.each(['n', 'u', 'm', 'h'])('v2 refuses the v1-only name %s', (text) => {
      expect(precisionOf(text, 'v2')).toBeNull();
    });

    it.each(['xx', 'NS', 'Ms', ' ns', 'ns ', 'rfc3339', 'd', 'µs', 'nanoseconds', '__proto__', 'constructor', 'toString'])(
      'refuses %j in both APIs (1.6 silently read unknown names as ns)',
      (text) => {
        expect(precisionOf(text, 'v1')).toBeNull();
        expect(precisionOf(text, 'v2')).toBeNull();
      },
    );
  });

  describe('timestampToMillis', () => {
    const cases: ReadonlyArray<readonly [bigint, Precision, number | null]> = [
      [1700000000123456789n, 'ns', 1700000000123],
      [9223372036854775807n, 'ns', 9223372036854],
      [-1n, 'ns', -1],
      [-999_999n, 'ns', -1],
      [-1_000_000n, 'ns', -1],
      [-1_000_001n, 'ns', -2],
      [999_999n, 'ns', 0],
      [1700000000123456n, 'us', 1700000000123],
      [-1n, 'us', -1],
      [-1500n, 'us', -2],
      [1700000000123n, 'ms', 1700000000123],
      [-86_400_000n, 'ms', -86_400_000],
      [1700000000n, 's', 1700000000000],
      [-1n, 's', -1000],
      [28333333n, 'm', 1699999980000],
      [472222n, 'h', 1699999200000],
      [0n, 'h', 0],
      [8_640_000_000_000_000n, 'ms', 8.64e15],
      [-8_640_000_000_000_000n, 'ms', -8.64e15],
      [8_640_000_000_000_001n, 'ms', null],
      [-8_640_000_000_000_001n, 'ms', null],
      [8_640_000_000_000n, 's', 8.64e15],
      [8_640_000_000_001n, 's', null],
      [9223372036854775807n, 's', null],
      [-9223372036854775808n, 'm', null],
      [2_400_000_001n, 'h', null],
      [2_400_000_000n, 'h', 8.64e15],
    ];
    it.each(cases)('%s %s → %s', (timestamp, precision, millis) => {
      expect(timestampToMillis(timestamp, precision)).toBe(millis);
    });

    it('gives a millisecond every Date accepts', () => {
      for (const [timestamp, precision, millis] of cases) {
        if (millis !== null) expect(new Date(timestampToMillis(timestamp, precision)!).getTime()).toBe(millis);
      }
    });
  });
});
