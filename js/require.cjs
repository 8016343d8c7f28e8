// `require('mvn-gpu')`: the package is an ES module. Node 20.19+ and 22.12+ load it through
// require() (it has no top-level await), so this hands over the very same module; older Nodes
// get an error that says what to write instead.
'use strict';
if (process.features && process.features.require_module) {
  module.exports = require('./index.js');
} else {
  const e = new Error(
    "mvn-gpu is an ES module and this Node (" + process.version + ") cannot require() one: use " +
      "`const { Sampler, key } = await import('mvn-gpu')`, or Node 20.19+ / 22.12+, where require('mvn-gpu') works.",
  );
  e.code = 'ERR_REQUIRE_ESM';
  throw e;
}
