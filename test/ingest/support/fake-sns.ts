import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export const SNS_HOST = 'sns.eu-west-1.amazonaws.com';
export const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:availability-alarms';

/**
 * A fake of the SNS endpoints Herald calls, over real TLS: it serves the signing certificate and
 * records subscription confirmations. The key and certificate are made with openssl for each test
 * file; the certificate is both the server's TLS certificate for `sns.eu-west-1.amazonaws.com`
 * and the one SNS messages are signed with. `agent` is what the module's documented seam takes:
 * it trusts only this certificate and connects every request to 127.0.0.1, so the URLs Herald
 * checks and fetches are the real-looking SNS ones.
 */
export interface FakeSns {
  readonly agent: https.Agent;
  /** Connects to the fake like `agent` but trusts only the system CAs, as production does. */
  readonly untrustingAgent: https.Agent;
  readonly certUrl: string;
  /** Paths (with query) requested, in order. */
  readonly requests: string[];
  sign(message: Record<string, string>, opts?: { version?: '1' | '2'; key?: string }): Record<string, string>;
  close(): Promise<void>;
}

const SIGNED_KEYS: Readonly<Record<string, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
};

/** A private key SNS never had: signatures made with it are forgeries. */
export const ATTACKER_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

function makeCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-sns-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-subj',
        `/CN=${SNS_HOST}`,
        '-addext',
        `subjectAltName=DNS:${SNS_HOST}`,
      ],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakeSns(): Promise<FakeSns> {
  const { key, cert } = makeCertificate();
  const certPath = `/SimpleNotificationService-${randomBytes(16).toString('hex')}.pem`;
  const requests: string[] = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    if (req.method === 'GET' && url === certPath) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(cert);
    } else if (req.method === 'GET' && url.startsWith('/?Action=ConfirmSubscription')) {
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>${TOPIC}:sub-1</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`,
        );
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  class FakeSnsAgent extends https.Agent {
    constructor(private readonly trust: string | undefined) {
      super({ keepAlive: false });
    }
    override createConnection(options: tls.ConnectionOptions): ReturnType<typeof tls.connect> {
      return tls.connect({
        ...options,
        host: '127.0.0.1',
        port,
        servername: options.servername || SNS_HOST,
        ...(this.trust ? { ca: this.trust } : {}),
      });
    }
  }
  const agent = new FakeSnsAgent(cert);
  const untrustingAgent = new FakeSnsAgent(undefined);

  return {
    agent,
    untrustingAgent,
    certUrl: `https://${SNS_HOST}${certPath}`,
    requests,
    sign(message, opts = {}) {
      const version = opts.version ?? '2';
      const signed: Record<string, string> = {
        ...message,
        SignatureVersion: version,
        SigningCertURL: message.SigningCertURL ?? `https://${SNS_HOST}${certPath}`,
      };
      const keys = SIGNED_KEYS[signed.Type ?? ''] ?? [];
      const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
      for (const k of keys) if (k in signed) signer.update(`${k}\n${signed[k]}\n`);
      signed.Signature = signer.sign(opts.key ?? key, 'base64');
      return signed;
    },
    close: async () => {
      agent.destroy();
      untrustingAgent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
