import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createSecretBox, parseSecretKey } from '../src/modules/webhooks/secretBox';
import { signatureHeader } from '../src/modules/webhooks/signature';
import { generateWebhookSecret } from '../src/modules/webhooks/webhookSecret';
import { webhookUrlProblem } from '../src/modules/webhooks/webhookUrl';

const body = '{"type":"alert.triggered","data":{"alertName":"Température > 30 °C","currentValue":31.5}}';

function signedHeaders(secrets: string[], timestamp = Math.floor(Date.now() / 1000)) {
  const id = 'msg_2b7c1f';
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, id, timestamp, body) };
}

describe('webhook signatures', () => {
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();

  it('are accepted by the standardwebhooks reference verifier', () => {
    expect(() => new Webhook(oldSecret).verify(body, signedHeaders([oldSecret]))).not.toThrow();
    expect(signedHeaders([oldSecret])['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('carry one signature per secret during rotation, each accepted by a verifier holding only that secret', () => {
    const headers = signedHeaders([oldSecret, newSecret]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('are rejected for a tampered body or a timestamp older than five minutes', () => {
    expect(() => new Webhook(oldSecret).verify(body.replace('31.5', '99'), signedHeaders([oldSecret]))).toThrow();
    const stale = signedHeaders([oldSecret], Math.floor(Date.now() / 1000) - 301);
    expect(() => new Webhook(oldSecret).verify(body, stale)).toThrow();
  });

  it('refuse to sign with no secret, a short key or a fractional timestamp', () => {
    expect(() => signatureHeader([], 'msg_1', 1, body)).toThrow();
    expect(() => signatureHeader(['whsec_c2hvcnQ='], 'msg_1', 1, body)).toThrow();
    expect(() => signatureHeader([oldSecret], 'msg_1', 1.5, body)).toThrow();
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes, different every time', () => {
    const secrets = Array.from({ length: 50 }, generateWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});

describe('secret box', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);
  const secret = generateWebhookSecret();

  it('opens what it sealed, for the same context only', () => {
    const sealed = box.seal(secret, 'rule-a');
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, 'rule-a')).toBe(secret);
    expect(() => box.open(sealed, 'rule-b')).toThrow();
  });

  it('refuses altered values and other keys', () => {
    const sealed = box.seal(secret, 'rule-a');
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    expect(() => box.open(flipped, 'rule-a')).toThrow();
    expect(() => box.open(sealed.slice(0, -4), 'rule-a')).toThrow();
    expect(() => box.open('garbage', 'rule-a')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'rule-a')).toThrow();
  });

  it('seals the same plaintext differently each time', () => {
    expect(box.seal(secret, 'rule-a')).not.toBe(box.seal(secret, 'rule-a'));
  });

  it('needs a 32-byte key', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow();
  });

  const bytes = randomBytes(32);
  it.each([
    ['base64 with padding', bytes.toString('base64'), bytes],
    ['base64 without padding', bytes.toString('base64').replace('=', ''), bytes],
    ['hex', bytes.toString('hex'), bytes],
    ['upper-case hex', bytes.toString('hex').toUpperCase(), bytes],
    ['base64 of 31 bytes', randomBytes(31).toString('base64'), null],
    ['base64 of 33 bytes', randomBytes(33).toString('base64'), null],
    ['62 hex characters', bytes.toString('hex').slice(2), null],
    ['base64 with a stray character', `${bytes.toString('base64').slice(0, 42)}!=`, null],
    ['base64 whose unused bits are set', `${'A'.repeat(42)}B=`, null],
    ['empty', '', null],
    ['words', 'change-me-to-a-random-key', null],
  ])('parseSecretKey: %s', (_name, text, expected) => {
    expect(parseSecretKey(text)).toEqual(expected);
  });
});

describe('webhookUrlProblem', () => {
  const longUrl = (length: number) => `https://hooks.example.com/${'a'.repeat(length - 26)}`;
  it.each([
    ['https', 'https://hooks.example.com/dakkio?team=ops', false, null],
    ['http', 'http://hooks.example.com/', false, 'Webhook URL must use https'],
    ['http when allowed', 'http://hooks.example.com/', true, null],
    ['user and password', 'https://user:pw@hooks.example.com/', false, 'Webhook URL must not contain credentials'],
    ['user only', 'https://user@hooks.example.com/', false, 'Webhook URL must not contain credentials'],
    ['ftp', 'ftp://hooks.example.com/', false, 'Webhook URL must use https'],
    ['ftp when http is allowed', 'ftp://hooks.example.com/', true, 'Webhook URL must use http or https'],
    ['javascript', 'javascript:alert(1)', false, 'Webhook URL must use https'],
    ['a space', 'https://hooks.example.com/a b', false, 'Webhook URL must not contain spaces or control characters'],
    ['a newline', 'https://hooks.example.com/\nx', false, 'Webhook URL must not contain spaces or control characters'],
    ['2049 characters', longUrl(2049), false, 'Webhook URL must be at most 2048 characters'],
    ['2048 characters', longUrl(2048), false, null],
    ['not a URL', 'not a url', false, 'Webhook URL must be a valid absolute URL'],
    ['a relative path', '/relative/path', false, 'Webhook URL must be a valid absolute URL'],
  ])('%s', (_name, url, allowHttp, expected) => {
    expect(webhookUrlProblem(url, allowHttp)).toBe(expected);
  });
});
