'use strict'
// Encrypts --in to --out with the official AWS Encryption SDK for JavaScript (see common.js for arguments).
const fs = require('fs')
const { buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier } = require('@aws-crypto/client-node')
const { parseArgs, keyring } = require('./common')

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const options = { encryptionContext: JSON.parse(args.context || '{}') }
  if (args.suite === '0x0478') options.suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY
  if (args.frame) options.frameLength = Number(args.frame)
  const { result, messageHeader } = await encrypt(keyring(args), fs.readFileSync(args.in), options)
  fs.writeFileSync(args.out, result)
  process.stdout.write(JSON.stringify({ suiteId: messageHeader.suiteId, frameLength: messageHeader.frameLength }) + '\n')
}

main().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1) })
