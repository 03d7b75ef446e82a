// Runs Hardhat Network's JSON-RPC server in this process on 127.0.0.1:<port> (argv[2]).
// Prints exactly one `VERINFER_DEVNET_READY <url>` line on stdout once the server answers
// eth_chainId, and exits as soon as stdin reaches EOF or on SIGTERM/SIGINT: the parent keeps our
// stdin open as a pipe, so when the parent dies (even by kill -9) the pipe closes and we follow.
'use strict';
const path = require('path');

const HOST = '127.0.0.1';

function fail(message) {
  process.stderr.write(`devnet: ${message}\n`);
  process.exit(2);
}

function exitOnParentGone() {
  const bye = () => process.exit(0);
  process.stdin.on('end', bye);
  process.stdin.on('close', bye);
  process.stdin.on('error', bye);
  process.stdin.resume(); // flowing mode: needed to ever see 'end'
  process.on('SIGTERM', bye);
  process.on('SIGINT', bye);
  process.on('SIGHUP', bye);
}

async function main() {
  exitOnParentGone();
  const port = Number.parseInt(process.argv[2] ?? '', 10);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`usage: node scripts/devnet.js <port 1..65535>, got '${process.argv[2] ?? ''}'`);
  }
  // Hardhat finds hardhat.config.js from the working directory.
  process.chdir(path.resolve(__dirname, '..'));
  const hre = require('hardhat');
  // The same server the `hardhat node` task uses, without its per-request console logging.
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server');
  const server = new JsonRpcServer({ hostname: HOST, port, provider: hre.network.provider });
  const address = await server.listen();
  const url = `http://${HOST}:${address.port}/`;
  const client = server.getProvider();
  const chainId = await client.request({ method: 'eth_chainId' });
  process.stderr.write(`devnet: Hardhat Network chainId ${Number(chainId)} listening at ${url}\n`);
  process.stdout.write(`VERINFER_DEVNET_READY ${url}\n`);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
