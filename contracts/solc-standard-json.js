#!/usr/bin/env node
// A solc-compatible CLI over solc-js, for py-solc-x's compile_standard().
// `solcjs --standard-json` prints a non-JSON warning line before its output,
// so py-solc-x cannot parse it; this wrapper calls solc.compile() directly.
// It answers `--version` and `--standard-json` (stdin -> stdout) and resolves
// imports relative to `--base-path` and each `--include-path`.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const args = process.argv.slice(2);

if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("usage: solc-standard-json.js --version | --standard-json [--base-path P] [--include-path P]...\n");
  process.exit(2);
}

function optionValues(name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && i + 1 < args.length) values.push(args[i + 1]);
    else if (arg.startsWith(name + "=")) values.push(arg.slice(name.length + 1));
  });
  return values;
}

const roots = [...optionValues("--base-path"), ...optionValues("--include-path")];
if (roots.length === 0) roots.push(process.cwd());

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
