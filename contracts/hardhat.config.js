// Hardhat Network settings for the Verinfer devnet (scripts/devnet.js). The contracts are compiled
// by scripts/compile.js with solcjs, never by `hardhat compile`, so there is no solidity section.
'use strict';

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  defaultNetwork: 'hardhat',
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: 'cancun',
      blockGasLimit: 30_000_000,
      allowUnlimitedContractSize: false,
      mining: { auto: true },
      accounts: {
        // The well-known public test mnemonic: these keys hold devnet ether only.
        mnemonic: 'test test test test test test test test test test test junk',
        count: 20,
        accountsBalance: '10000000000000000000000000', // 10,000,000 ETH each
      },
    },
  },
  // Keep whatever Hardhat writes inside the git-ignored .cache directory.
  paths: {
    sources: './src',
    cache: './.cache/hardhat',
    artifacts: './.cache/hardhat-artifacts',
  },
};
