// Shared argument parsing and keyring construction for the SshKms interop scripts.
// Usage: node encrypt.js|decrypt.js --in FILE --out FILE (--kms ARN --endpoint URL --region R | --raw-key FILE --key-name NAME)
//        [--context JSON] [--suite 0x0478|0x0578] [--frame N]
'use strict'
const fs = require('fs')
const {
  KmsKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, getClient,
} = require('@aws-crypto/client-node')
const { KMS } = require('@aws-sdk/client-kms')

function parseArgs (argv) {
  const args = {}
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error('unexpected argument ' + argv[i])
    args[argv[i].slice(2)] = argv[i + 1]
  }
  return args
}

function keyring (args) {
  if (args.kms) {
    const clientProvider = getClient(KMS, {
      endpoint: args.endpoint,
      region: args.region || 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    })
    return new KmsKeyringNode({ generatorKeyId: args.kms, clientProvider })
  }
  // The SshKms local-key layout: namespace "sshkms-local", name = the local key's name, 32 raw bytes.
  return new RawAesKeyringNode({
    keyNamespace: 'sshkms-local',
    keyName: args['key-name'],
    unencryptedMasterKey: new Uint8Array(fs.readFileSync(args['raw-key'])),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  })
}

module.exports = { parseArgs, keyring }
