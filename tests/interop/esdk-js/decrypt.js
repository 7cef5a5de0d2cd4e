'use strict'
// Decrypts --in to --out with the official AWS Encryption SDK for JavaScript and prints the header it read.
const fs = require('fs')
const { buildClient, CommitmentPolicy } = require('@aws-crypto/client-node')
const { parseArgs, keyring } = require('./common')

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
  const { plaintext, messageHeader } = await decrypt(keyring(args), fs.readFileSync(args.in))
  fs.writeFileSync(args.out, plaintext)
  process.stdout.write(JSON.stringify({
    suiteId: messageHeader.suiteId,
    frameLength: messageHeader.frameLength,
    encryptionContext: messageHeader.encryptionContext,
    providers: messageHeader.encryptedDataKeys.map(k => k.providerId),
  }) + '\n')
}

main().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1) })
