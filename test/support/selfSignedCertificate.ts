import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface CertificateFiles {
  /** The certificate as PEM, which a client trusts as its CA. */
  cert: string;
  certPath: string;
  keyPath: string;
  remove: () => void;
}

/** A self-signed certificate for localhost and 127.0.0.1, made by the test, its PEM files in a temporary directory. */
export async function writeSelfSignedCertificate(label: string): Promise<CertificateFiles> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const dir = mkdtempSync(path.join(tmpdir(), `${label}-`));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, pems.private);
  return { cert: pems.cert, certPath, keyPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
