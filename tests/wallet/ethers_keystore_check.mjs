// Interop check: decrypts a keystore file written by vestchain with ethers v6.
// Usage: VEST_NPM_DIR=<folder with node_modules/ethers> \
//          node ethers_keystore_check.mjs <keystore file> <password> <expected address>
// Prints the decrypted address; exits 0 when it matches the expected one,
// 1 when it does not or decryption fails, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [file, password, expected] = process.argv.slice(2);
const npmDir = process.env.VEST_NPM_DIR;
if (!file || password === undefined || !expected || !npmDir) {
  console.error('usage: VEST_NPM_DIR=<dir> node ethers_keystore_check.mjs <file> <password> <address>');
  process.exit(2);
}

// ES modules ignore NODE_PATH: resolve ethers from the given npm folder.
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const { Wallet, version } = require('ethers');

try {
  const wallet = await Wallet.fromEncryptedJson(readFileSync(file, 'utf8'), password);
  console.log(`ethers ${version}: ${wallet.address}`);
  if (wallet.address.toLowerCase() !== expected.toLowerCase()) {
    console.error(`expected ${expected}`);
    process.exit(1);
  }
} catch (e) {
  console.error(`ethers could not decrypt: ${e.message}`);
  process.exit(1);
}
