/**
 * The client credential MSAL signs in with: a client secret, or a certificate read from a PEM file
 * (the private key, normally followed or preceded by its certificate, as Azure Key Vault and
 * `openssl` export it). The certificate's SHA-256 thumbprint is computed from the file, so an
 * operator only has to name the file; GRAPH_CERTIFICATE_THUMBPRINT is needed only when the file
 * holds the key alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { GraphCredential } from '../config.js';

/** The part of MSAL's `auth` options that carries the credential. */
export type MsalCredentialOptions =
  | { clientSecret: string }
  | {
      clientCertificate: {
        /** Hex, no colons; SHA-256 (64 digits) unless the operator gave a SHA-1 (40 digits). */
        thumbprintSha256?: string;
        thumbprint?: string;
        privateKey: string;
      };
    };

/** Raised when the certificate file cannot be used; the message names the file and what is wrong. */
export class GraphCredentialError extends Error {
  readonly code = 'graph-credential';
  constructor(file: string, problem: string) {
    super(`GRAPH_CERTIFICATE_PATH ${file}: ${problem}`);
    this.name = 'GraphCredentialError';
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** Reads the credential into MSAL's options; a certificate file is read and checked now. */
export function loadMsalCredential(credential: GraphCredential): MsalCredentialOptions {
  if (credential.kind === 'secret') return { clientSecret: credential.secret };
  return { clientCertificate: readCertificateFile(credential.path, credential.thumbprint) };
}

function readCertificateFile(file: string, configuredThumbprint: string | undefined) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GraphCredentialError(file, code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1]!, pem: match[0] }));
  const keyBlock = blocks.find((block) => block.label.endsWith('PRIVATE KEY'));
  if (!keyBlock) throw new GraphCredentialError(file, 'no PEM private key in the file');
  if (keyBlock.label === 'ENCRYPTED PRIVATE KEY') {
    throw new GraphCredentialError(
      file,
      'the private key is encrypted; store it unencrypted in a secret volume',
    );
  }
  let privateKey: string;
  try {
    // MSAL signs with a PKCS#8 key; an `RSA PRIVATE KEY` (PKCS#1) block is converted here.
    privateKey = crypto.createPrivateKey(keyBlock.pem).export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (error) {
    throw new GraphCredentialError(file, `unreadable private key (${(error as Error).message})`);
  }
  const certificatePem = blocks.find((block) => block.label === 'CERTIFICATE')?.pem;
  let certificate: crypto.X509Certificate | undefined;
  if (certificatePem) {
    try {
      certificate = new crypto.X509Certificate(certificatePem);
    } catch (error) {
      throw new GraphCredentialError(file, `unreadable certificate (${(error as Error).message})`);
    }
    if (!certificate.checkPrivateKey(crypto.createPrivateKey(privateKey))) {
      throw new GraphCredentialError(file, 'the certificate does not belong to the private key');
    }
  }
  const thumbprint = configuredThumbprint ?? certificate?.fingerprint256.replace(/:/g, '');
  if (!thumbprint) {
    throw new GraphCredentialError(
      file,
      'the file holds no certificate, so its thumbprint is unknown: add the certificate to the file or set GRAPH_CERTIFICATE_THUMBPRINT',
    );
  }
  return {
    ...(thumbprint.length === 40 ? { thumbprint } : { thumbprintSha256: thumbprint }),
    privateKey,
  };
}
