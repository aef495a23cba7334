// `node producerThread.cjs`: the producer thread through require() (see producerThread.shared.cjs).
const { run } = require('./producerThread.shared.cjs');

run(require('@oms/adapters-kafka'), require('@oms/adapters-kafka/testing'), 'CommonJS').then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (error) => {
    console.log(`FAIL producer thread (CommonJS): ${error}`);
    process.exitCode = 1;
  },
);
