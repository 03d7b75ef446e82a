// Compiles contracts/src with solcjs (pure wasm from npm, no compiler download) through the
// standard-JSON interface and writes build/<Name>.abi, build/<Name>.bin and build/<Name>.json.
// Skips the compile when neither the sources nor the compiler settings changed.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'build');

/** EIP-170: the largest runtime code a contract may have on Ethereum mainnet. */
const EIP170_LIMIT = 24576;

const settings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 1000000 },
  viaIR: true,
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function listSol(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listSol(p);
    return e.name.endsWith('.sol') ? [p] : [];
  });
}

const files = listSol(srcDir).sort();
const sources = {};
const hash = crypto.createHash('sha256');
hash.update(solc.version() + JSON.stringify(settings));
for (const f of files) {
  const key = path.relative(root, f).split(path.sep).join('/');
  const content = fs.readFileSync(f, 'utf8');
  sources[key] = { content };
  hash.update(key).update(content);
}
const digest = hash.digest('hex');
const stampFile = path.join(outDir, '.sources.sha');
if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === digest) {
  console.log(`contracts: up to date (${files.length} sources, solc ${solc.version()})`);
  process.exit(0);
}

function findImports(importPath) {
  const candidates = [path.join(root, 'node_modules', importPath), path.join(root, importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

console.log(`contracts: compiling ${files.length} sources with solc ${solc.version()} (evm cancun)…`);
const started = Date.now();
const output = JSON.parse(
  solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }), { import: findImports }),
);
let failed = false;
for (const err of output.errors || []) {
  const text = err.formattedMessage || err.message;
  if (err.severity === 'error') {
    failed = true;
    console.error(text);
  } else if (err.sourceLocation?.file?.startsWith('src/')) {
    console.warn(text);
  }
}
if (failed) {
  console.error('contracts: compilation failed');
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [file, contracts] of Object.entries(output.contracts)) {
  if (!file.startsWith('src/')) continue;
  for (const [name, c] of Object.entries(contracts)) {
    const bin = c.evm.bytecode.object;
    if (!bin) continue; // interfaces and abstract contracts
    const runtimeBytes = c.evm.deployedBytecode.object.length / 2;
    if (runtimeBytes > EIP170_LIMIT) {
      console.error(`contracts: ${name} is ${runtimeBytes} bytes of runtime code, above EIP-170's ${EIP170_LIMIT}`);
      failed = true;
    } else if (runtimeBytes > EIP170_LIMIT * 0.9) {
      console.warn(`contracts: ${name} is ${runtimeBytes} bytes of runtime code (EIP-170 limit ${EIP170_LIMIT})`);
    }
    fs.writeFileSync(path.join(outDir, `${name}.abi`), JSON.stringify(c.abi));
    fs.writeFileSync(path.join(outDir, `${name}.bin`), bin);
    count++;
  }
}
if (failed) {
  console.error('contracts: a contract cannot be deployed on Ethereum');
  process.exit(1);
}
fs.writeFileSync(stampFile, digest);
console.log(`contracts: wrote ${count} contracts to build/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);
