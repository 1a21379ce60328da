// SPDX-License-Identifier: Apache-2.0
// Checks signed requests written by `bouncewatch simulate --write-dir` with implementations we did
// not write: AWS's Node.js validator (npm sns-validator) and `openssl dgst -verify`.
//
// The validator fetches SigningCertURL with https.get. The simulator's URL is on the SNS host
// pattern but does not exist at AWS, so this script serves the simulator's certificate from a
// local HTTPS server (real TLS, trusting only a throw-away certificate) and routes the
// validator's https.get for sns.<region>.amazonaws.com to it. The messages are validated
// byte-for-byte as written; nothing in the validator is patched.
//
// Usage: node validate.js TLS_KEY TLS_CERT DIR...   (each DIR from --write-dir, same data dir)
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const https = require('https');
const { execFileSync } = require('child_process');
const MessageValidator = require('sns-validator');

const kSnsHost = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com$/;

function validate(validator, message) {
  return new Promise((resolve) => validator.validate(message, (err) => resolve(err || null)));
}

// The string SNS signs (sns-ses-protocol.md §2.1), built here independently of the C++ code.
function stringToSign(m) {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.filter((k) => k in m).map((k) => `${k}\n${m[k]}\n`).join('');
}

// true when `openssl dgst -verify` accepts the signature over `text`.
function opensslVerifies(tmp, pubkey, m, text) {
  const data = path.join(tmp, 'sts.txt');
  const sig = path.join(tmp, 'sig.bin');
  fs.writeFileSync(data, text, 'utf8');
  fs.writeFileSync(sig, Buffer.from(m.Signature, 'base64'));
  const digest = m.SignatureVersion === '1' ? '-sha1' : '-sha256';
  try {
    const args = ['dgst', digest, '-verify', pubkey, '-signature', sig, data];
    const out = execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return out.trim() === 'Verified OK';
  } catch (e) {
    return false;
  }
}

async function main() {
  const [tlsKeyPath, tlsCertPath, ...dirs] = process.argv.slice(2);
  if (!tlsCertPath || dirs.length === 0) {
    console.error('usage: node validate.js TLS_KEY TLS_CERT DIR...');
    process.exit(2);
  }
  const tlsCert = fs.readFileSync(tlsCertPath, 'utf8');
  const signingCert = fs.readFileSync(path.join(dirs[0], 'signing-cert.pem'), 'utf8');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-node-'));
  const pubkey = path.join(tmp, 'pub.pem');
  fs.writeFileSync(pubkey, execFileSync('openssl',
    ['x509', '-in', path.join(dirs[0], 'signing-cert.pem'), '-pubkey', '-noout']));

  let fetches = 0;
  const server = https.createServer({ key: fs.readFileSync(tlsKeyPath), cert: tlsCert },
    (req, res) => {
      if (req.url.endsWith('.pem')) {
        fetches++;
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        res.end(signingCert);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const realGet = https.get;
  https.get = function (target, callback) {
    const u = new URL(target);
    if (!kSnsHost.test(u.hostname)) {
      throw new Error(`unexpected certificate fetch ${target}`);
    }
    return realGet({ host: '127.0.0.1', port, path: u.pathname, ca: tlsCert }, callback);
  };

  // The validator's host pattern must admit the simulator's SigningCertURL host.
  const validator = new MessageValidator(kSnsHost);
  const failures = [];
  const counts = { '1': 0, '2': 0 };
  let opensslOk = 0;
  let tamperedRejected = 0;
  for (const dir of dirs) {
    const names = fs.readFileSync(path.join(dir, 'index.txt'), 'utf8').split('\n').filter(Boolean);
    for (const name of names) {
      const where = path.join(dir, name);
      const body = fs.readFileSync(`${where}.json`, 'utf8');
      const m = JSON.parse(body);
      const headers = Object.fromEntries(fs.readFileSync(`${where}.headers`, 'utf8')
        .split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(),
          l.slice(l.indexOf(':') + 1).trim()]));
      if (headers['x-amz-sns-message-id'] !== m.MessageId ||
          headers['x-amz-sns-topic-arn'] !== m.TopicArn ||
          headers['x-amz-sns-message-type'] !== m.Type) {
        failures.push(`${where}: headers disagree with the body`);
      }
      const err = await validate(validator, body);
      if (err) {
        failures.push(`${where}: sns-validator rejected it: ${err.message}`);
      } else {
        counts[m.SignatureVersion]++;
      }
      if (opensslVerifies(tmp, pubkey, m, stringToSign(m))) {
        opensslOk++;
      } else {
        failures.push(`${where}: openssl dgst -verify rejected it`);
      }
      // Both must notice one changed character of the SES JSON.
      const tampered = { ...m, Message: m.Message.replace('"mail"', '"mall"') };
      const tamperedErr = await validate(validator, JSON.stringify(tampered));
      if (tamperedErr && !opensslVerifies(tmp, pubkey, tampered, stringToSign(tampered))) {
        tamperedRejected++;
      } else {
        failures.push(`${where}: a tampered copy was accepted`);
      }
    }
  }
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  const total = counts['1'] + counts['2'];
  console.log(`sns-validator accepted ${total} message(s) (SignatureVersion 1: ${counts['1']}, ` +
    `2: ${counts['2']}), fetching the certificate ${fetches} time(s) over HTTPS; openssl dgst ` +
    `-verify accepted ${opensslOk}; tampered copies rejected by both: ${tamperedRejected}`);
  if (counts['1'] === 0 || counts['2'] === 0) {
    failures.push('both signature versions must be covered');
  }
  if (fetches === 0) {
    failures.push('the validator never fetched the certificate');
  }
  for (const f of failures) {
    console.error(`FAIL: ${f}`);
  }
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
